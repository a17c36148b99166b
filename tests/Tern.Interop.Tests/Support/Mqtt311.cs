using System.Text;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Interop.Tests.Support;

/// <summary>
/// MQTT 3.1.1 packets as <see cref="Hex"/> scripts, for raw tests whose client ids and topics are unique per run and
/// so cannot be written as literal hex. Field layouts from MQTT 3.1.1 §3.1 (CONNECT), §3.3 (PUBLISH), §3.8 (SUBSCRIBE).
/// </summary>
internal static class Mqtt311
{
    /// <summary>CONNECT: protocol name "MQTT", level 4, flags, keep alive, client id, optional will topic and message.</summary>
    public static string Connect(
        string clientId,
        ushort keepAliveSeconds = 60,
        bool cleanSession = true,
        string? willTopic = null,
        string? willMessage = null,
        int willQos = 0,
        bool willRetain = false)
    {
        int flags = cleanSession ? 0x02 : 0;
        string will = string.Empty;
        if (willTopic is not null)
        {
            // Will Flag 0x04, Will QoS bits 3-4, Will Retain 0x20 (3.1.1 §3.1.2.5-3.1.2.7).
            flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            will = $" {Text(willTopic)} {Text(willMessage ?? string.Empty)}";
        }

        return Packet(0x10, $"00 04 'MQTT' 04 {flags:X2} {keepAliveSeconds >> 8:X2} {keepAliveSeconds & 0xFF:X2} {Text(clientId)}{will}");
    }

    /// <summary>SUBSCRIBE (flags 0010) with one topic filter.</summary>
    public static string Subscribe(ushort packetId, string filter, int qos) =>
        Packet(0x82, $"{Id(packetId)} {Text(filter)} {qos:X2}");

    /// <summary>SUBACK for one filter.</summary>
    public static string SubAck(ushort packetId, int grantedQos) => Packet(0x90, $"{Id(packetId)} {grantedQos:X2}");

    /// <summary>PUBLISH; the packet identifier is present only for QoS 1 and 2.</summary>
    public static string Publish(string topic, string payload, int qos = 0, ushort packetId = 0, bool retain = false, bool dup = false)
    {
        int first = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
        string id = qos > 0 ? $" {Id(packetId)}" : string.Empty;
        string body = payload.Length == 0 ? string.Empty : $" '{Checked(payload)}'";
        return Packet(first, $"{Text(topic)}{id}{body}");
    }

    /// <summary>PUBACK.</summary>
    public static string PubAck(ushort packetId) => Packet(0x40, Id(packetId));

    /// <summary>DISCONNECT.</summary>
    public const string Disconnect = "E0 00";

    /// <summary>CONNACK accepted, no session present.</summary>
    public const string ConnAckAccepted = "20 02 00 00";

    /// <summary>CONNACK accepted, session present.</summary>
    public const string ConnAckSessionPresent = "20 02 01 00";

    private static string Packet(int firstByte, string body)
    {
        int length = Hex.Bytes(body).Length;
        Span<byte> remaining = stackalloc byte[4];
        int size = VariableByteInteger.Write(remaining, length);
        return $"{firstByte:X2} {Hex.Format(remaining[..size])} {body}";
    }

    // A UTF-8 string field: two bytes of length, then the text (3.1.1 §1.5.3).
    private static string Text(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        return length == 0 ? "00 00" : $"{length >> 8:X2} {length & 0xFF:X2} '{Checked(value)}'";
    }

    private static string Id(ushort packetId) => $"{packetId >> 8:X2} {packetId & 0xFF:X2}";

    private static string Checked(string value) => value.Contains('\'', StringComparison.Ordinal)
        ? throw new ArgumentException("A quote cannot appear in a hex script's text.", nameof(value))
        : value;
}
