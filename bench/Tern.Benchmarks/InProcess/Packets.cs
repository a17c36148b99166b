using System.Buffers;
using System.Text;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Benchmarks.InProcess;

/// <summary>The few client packets the in-process harness sends, encoded once at setup.</summary>
internal static class Packets
{
    public static byte[] Connect(string clientId, ProtocolVersion version, bool cleanSession, uint sessionExpiry)
    {
        var body = new List<byte>();
        body.AddRange([0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', version == ProtocolVersion.V500 ? (byte)5 : (byte)4]);
        body.Add(cleanSession ? (byte)0x02 : (byte)0x00);
        body.AddRange([0x00, 0x00]); // keep alive 0: no timeout while a benchmark pauses
        if (version == ProtocolVersion.V500)
        {
            if (sessionExpiry == 0)
            {
                body.Add(0x00);
            }
            else
            {
                body.AddRange([0x05, 0x11, (byte)(sessionExpiry >> 24), (byte)(sessionExpiry >> 16), (byte)(sessionExpiry >> 8), (byte)sessionExpiry]);
            }
        }

        AddString(body, clientId);
        return Frame(0x10, body);
    }

    public static byte[] Subscribe(string filter, QualityOfService qos, ProtocolVersion version, int subscriptionIdentifier = 0)
    {
        var body = new List<byte> { 0x00, 0x01 };
        if (version == ProtocolVersion.V500)
        {
            // Property length, then Subscription Identifier (0x0B) as a one-byte variable byte integer (ids below 128).
            body.AddRange(subscriptionIdentifier > 0 ? [0x02, 0x0B, (byte)subscriptionIdentifier] : [0x00]);
        }

        AddString(body, filter);
        body.Add((byte)qos);
        return Frame(0x82, body);
    }

    public static byte[] Unsubscribe(string filter, ProtocolVersion version)
    {
        var body = new List<byte> { 0x00, 0x02 };
        if (version == ProtocolVersion.V500)
        {
            body.Add(0x00);
        }

        AddString(body, filter);
        return Frame(0xA2, body);
    }

    /// <summary><paramref name="count"/> copies of one PUBLISH back to back (QoS 1 copies numbered 1..count).</summary>
    public static byte[] Publishes(int count, string topic, int payloadSize, QualityOfService qos, ProtocolVersion version, uint messageExpiry = 0)
    {
        var payload = new byte[payloadSize];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        byte[] properties = version == ProtocolVersion.V500 && messageExpiry > 0
            ? new PropertyBuilder().AddUInt32(PropertyId.MessageExpiryInterval, messageExpiry).Span.ToArray()
            : [];
        var writer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < count; i++)
        {
            ushort id = qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)((i % 65535) + 1);
            PublishPacket.Write(writer, version, new PublishHeader(qos, PacketIdentifier: id), Encoding.UTF8.GetBytes(topic), properties, payload);
        }

        return writer.WrittenSpan.ToArray();
    }

    private static void AddString(List<byte> body, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        body.Add((byte)(bytes.Length >> 8));
        body.Add((byte)bytes.Length);
        body.AddRange(bytes);
    }

    private static byte[] Frame(byte first, List<byte> body)
    {
        var frame = new List<byte> { first };
        int remaining = body.Count;
        do
        {
            byte digit = (byte)(remaining % 128);
            remaining /= 128;
            frame.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);
        frame.AddRange(body);
        return [.. frame];
    }
}
