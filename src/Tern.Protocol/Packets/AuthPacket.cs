using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded AUTH (5.0 §3.15), the enhanced-authentication exchange: a read-only view over the packet's bytes.
/// AUTH exists only in MQTT 5.0; before that, packet type 15 is reserved and the fixed header check refuses it.
/// To send one, build a view with <c>new AuthPacket { ... }</c> and pass it to <see cref="Write"/>.
/// </summary>
public readonly ref struct AuthPacket
{
    private const byte FirstByte = (byte)PacketType.Auth << 4;

    /// <summary>The Authenticate Reason Code: 0x00 Success, 0x18 Continue authentication or 0x19 Re-authenticate.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>The AUTH properties: Authentication Method, Authentication Data, Reason String, User Property.</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>The Authentication Method as UTF-8 bytes, or empty when absent.</summary>
    public ReadOnlySpan<byte> AuthenticationMethod => Properties.TryGetBytes(PropertyId.AuthenticationMethod, out var method) ? method : default;

    /// <summary>The Authentication Data, or empty when absent.</summary>
    public ReadOnlySpan<byte> AuthenticationData => Properties.TryGetBytes(PropertyId.AuthenticationData, out var data) ? data : default;

    /// <summary>
    /// Decodes an AUTH body. Remaining length 0 is Success without properties (§3.15.2.1); otherwise a reason code and a
    /// property block follow, and the reason code must be an Authenticate one ([MQTT-3.15.2-1]).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A reason code without a property length (remaining length 1) is Malformed: §3.15.2.1 lets the reason code and
    /// the property length be omitted only together, and unlike DISCONNECT (§3.14.2.2.1) AUTH has no rule that
    /// supplies a missing property length. Such an AUTH would lack the Authentication Method anyway.
    /// </para>
    /// <para>
    /// That the Authentication Method is present and equal to the one of CONNECT (§3.15.2.2.2, [MQTT-4.12.0-5]) is checked
    /// by whoever holds the CONNECT: the codec does not know it.
    /// </para>
    /// </remarks>
    /// <param name="header">The fixed header.</param>
    /// <param name="body">The bytes after the fixed header.</param>
    /// <param name="version">The connection's version; anything but 5.0 refuses packet type 15 (3.1.1 §2.2.1).</param>
    /// <param name="packet">The decoded view.</param>
    /// <param name="violation">Why the packet was refused.</param>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out AuthPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadByte(out byte reason))
        {
            return true;
        }

        if (reader.End)
        {
            violation = ProtocolViolation.Malformed("5.0 §3.15.2.1", "AUTH ends after the reason code: only Success without properties may omit the property length");
            return false;
        }

        if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.Auth, out var properties, out violation))
        {
            return false;
        }

        if (!reader.End)
        {
            violation = ProtocolViolation.Malformed("5.0 §3.15.3", "bytes after the properties: AUTH has no payload");
            return false;
        }

        var reasonCode = (ReasonCode)reason;
        if (!ReasonCodes.IsAllowedIn(reasonCode, PacketType.Auth))
        {
            // The statement has no reason code of its own; the packet parses and breaks a rule: Protocol Error (§4.13).
            violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.15.2-1", "reason code not allowed in AUTH");
            return false;
        }

        packet = new AuthPacket { ReasonCode = reasonCode, Properties = properties };
        return true;
    }

    /// <summary>The whole encoded size of <paramref name="packet"/>.</summary>
    public static int GetSize(in AuthPacket packet) => PacketSize.Total(GetRemainingLength(packet));

    /// <summary>
    /// Writes <paramref name="packet"/>, all or nothing, and returns the bytes written. AUTH exists only in 5.0, so there
    /// is no version to pass. Success without properties is written as <c>F0 00</c> (§3.15.2.1); anything else as the
    /// reason code and a property block, which is never omitted alone.
    /// </summary>
    /// <exception cref="ArgumentException">A reason code that AUTH does not allow ([MQTT-3.15.2-1]).</exception>
    public static int Write(IBufferWriter<byte> writer, in AuthPacket packet)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packet);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packet, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> if it fits; writes nothing otherwise. See <see cref="Write"/>.</summary>
    public static bool TryWrite(Span<byte> destination, in AuthPacket packet, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packet);
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

    private static int GetRemainingLength(in AuthPacket packet)
    {
        if (!ReasonCodes.IsAllowedIn(packet.ReasonCode, PacketType.Auth))
        {
            ThrowArgument("The reason code is not one of the Authenticate Reason Codes ([MQTT-3.15.2-1]).");
        }

        if (packet.ReasonCode == ReasonCode.Success && packet.Properties.IsEmpty)
        {
            return 0;
        }

        long length = 1L + PacketSize.PropertyBlock(packet.Properties.Raw.Length);
        return length > int.MaxValue ? int.MaxValue : (int)length;
    }

    private static void WriteCore(Span<byte> destination, in AuthPacket packet, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(FirstByte, remaining);
        if (remaining == 0)
        {
            return;
        }

        w.WriteByte((byte)packet.ReasonCode);
        w.WriteVariableByteInteger(packet.Properties.Raw.Length);
        w.WriteBytes(packet.Properties.Raw);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string message) => throw new ArgumentException(message, "packet");
}
