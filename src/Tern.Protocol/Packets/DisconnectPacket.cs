using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded DISCONNECT (3.1.1 §3.14, 5.0 §3.14): a read-only view over the packet's bytes. Before 5.0 a DISCONNECT
/// carries nothing; in 5.0 it carries a reason code and properties, both omitted in the short forms.
/// To send one, build a view with <c>new DisconnectPacket { ... }</c> and pass it to <see cref="Write"/>.
/// </summary>
public readonly ref struct DisconnectPacket
{
    private const byte FirstByte = (byte)PacketType.Disconnect << 4;

    /// <summary>The Disconnect Reason Code (5.0); <see cref="ReasonCode.Success"/> (Normal disconnection) before 5.0 and in the short form.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>The DISCONNECT properties (5.0 only): Session Expiry Interval, Reason String, User Property, Server Reference.</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>
    /// Decodes a DISCONNECT body. 3.1 and 3.1.1: the body must be empty. 5.0 (§3.14.2): an empty body is Normal
    /// disconnection without properties; one byte is a reason code without properties; more is a reason code and a
    /// property block. The reason code must be a DISCONNECT one ([MQTT-3.14.2-1]).
    /// </summary>
    /// <remarks>
    /// Direction is not judged here: which reason codes a client may send, and that a server sends no Session Expiry
    /// Interval ([MQTT-3.14.2-2]) or a client no increase of a zero one (§3.14.2.2.2), are the channel's rules.
    /// </remarks>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out DisconnectPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        if (version != ProtocolVersion.V500)
        {
            if (!body.IsEmpty)
            {
                violation = ProtocolViolation.Malformed("3.1.1 §3.14.2", "DISCONNECT has no variable header and no payload before MQTT 5.0");
                return false;
            }

            return true;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadByte(out byte reason))
        {
            // Remaining length 0: "the value of 0x00 (Normal disconnection) is used" (§3.14.2.1).
            return true;
        }

        // Remaining length 1: "If the Remaining Length is less than 2, a value of 0 is used" for the property length (§3.14.2.2.1).
        MqttProperties properties = default;
        if (!reader.End && !PropertyReader.TryReadBlock(ref reader, PropertyContext.Disconnect, out properties, out violation))
        {
            return false;
        }

        if (!reader.End)
        {
            violation = ProtocolViolation.Malformed("5.0 §3.14.3", "bytes after the properties: DISCONNECT has no payload");
            return false;
        }

        var reasonCode = (ReasonCode)reason;
        if (!ReasonCodes.IsAllowedIn(reasonCode, PacketType.Disconnect))
        {
            // The statement has no reason code of its own; the packet parses and breaks a rule: Protocol Error (§4.13).
            violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.14.2-1", "reason code not allowed in DISCONNECT");
            return false;
        }

        packet = new DisconnectPacket { ReasonCode = reasonCode, Properties = properties };
        return true;
    }

    /// <summary>The whole encoded size of <paramref name="packet"/> for <paramref name="version"/>.</summary>
    public static int GetSize(in DisconnectPacket packet, ProtocolVersion version) => PacketSize.Total(GetRemainingLength(packet, version));

    /// <summary>
    /// Writes <paramref name="packet"/> for <paramref name="version"/>, all or nothing, and returns the bytes written.
    /// Before 5.0 this is always <c>E0 00</c>: the reason code and properties do not exist there and are not written.
    /// In 5.0 the shortest form is chosen (§3.14.2.1): nothing for Normal disconnection without properties, the reason
    /// code alone without properties, otherwise the reason code and the property block.
    /// </summary>
    /// <exception cref="ArgumentException">A 5.0 reason code that DISCONNECT does not allow ([MQTT-3.14.2-1]).</exception>
    public static int Write(IBufferWriter<byte> writer, in DisconnectPacket packet, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packet, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> if it fits; writes nothing otherwise. See <see cref="Write"/>.</summary>
    public static bool TryWrite(Span<byte> destination, in DisconnectPacket packet, ProtocolVersion version, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, packet, remaining);
        bytesWritten = size;
        return true;
    }

    private static int GetRemainingLength(in DisconnectPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            return 0;
        }

        if (!ReasonCodes.IsAllowedIn(packet.ReasonCode, PacketType.Disconnect))
        {
            ThrowArgument("The reason code is not one of the DISCONNECT Reason Codes ([MQTT-3.14.2-1]).");
        }

        if (packet.Properties.IsEmpty)
        {
            return packet.ReasonCode == ReasonCode.Success ? 0 : 1;
        }

        long length = 1L + PacketSize.PropertyBlock(packet.Properties.Raw.Length);
        return length > int.MaxValue ? int.MaxValue : (int)length;
    }

    private static void WriteCore(Span<byte> destination, in DisconnectPacket packet, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(FirstByte, remaining);
        if (remaining == 0)
        {
            return;
        }

        w.WriteByte((byte)packet.ReasonCode);
        if (remaining > 1)
        {
            w.WriteVariableByteInteger(packet.Properties.Raw.Length);
            w.WriteBytes(packet.Properties.Raw);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string message) => throw new ArgumentException(message, "packet");
}
