using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded CONNACK (3.1 §3.2, 3.1.1 §3.2, 5.0 §3.2): a read-only view over the packet's bytes. To send one, build a
/// view with <c>new ConnAckPacket { ... }</c> and pass it to <see cref="Write"/>.
/// </summary>
/// <remarks>
/// <see cref="ReasonCode"/> is the version-independent outcome: for 3.1 and 3.1.1 the decoder fills it with the 5.0
/// equivalent of the return code (0x00→Success, 0x01→0x84, 0x02→0x85, 0x03→0x88, 0x04→0x86, 0x05→0x87), so code that
/// only needs "accepted or why not" reads one property whatever the version. <see cref="ReturnCode"/> is the byte that
/// 3.1 and 3.1.1 put on the wire.
/// </remarks>
public readonly ref struct ConnAckPacket
{
    private const byte FirstByte = (byte)PacketType.ConnAck << 4;

    /// <summary>Session Present (3.1.1, 5.0): the server resumed a stored session. MQTT 3.1 has no such flag.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The Connect Reason Code (5.0); for 3.1 and 3.1.1, the 5.0 equivalent of <see cref="ReturnCode"/>.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>The Connect Return Code of 3.1 and 3.1.1 (Table 3.1 of 3.1.1). Not used in 5.0.</summary>
    public ConnectReturnCode ReturnCode { get; init; }

    /// <summary>The CONNACK properties (5.0 only; empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>True when the server accepted the connection.</summary>
    public bool IsAccepted => ReasonCode == ReasonCode.Success && ReturnCode == ConnectReturnCode.Accepted;

    /// <summary>
    /// Decodes a CONNACK body: the acknowledge flags (reserved bits 7-1 zero), the return or reason code, the properties
    /// (5.0), no payload, and that Session Present is 0 on a refusal.
    /// </summary>
    /// <param name="header">The fixed header.</param>
    /// <param name="body">The bytes after the fixed header.</param>
    /// <param name="version">The version the client sent in its CONNECT.</param>
    /// <param name="packet">The decoded view.</param>
    /// <param name="violation">Why the packet was refused.</param>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out ConnAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        return version == ProtocolVersion.V500
            ? TryDecode500(body, out packet, out violation)
            : TryDecode311(body, version, out packet, out violation);
    }

    private static bool TryDecode311(ReadOnlySpan<byte> body, ProtocolVersion version, out ConnAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        var reader = new MqttReader(body);
        if (!reader.TryReadByte(out byte flags))
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.2.2.1", "CONNACK ends before the acknowledge flags");
            return false;
        }

        if (!reader.TryReadByte(out byte returnCode))
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.2.2.3", "CONNACK ends before the return code");
            return false;
        }

        if (!reader.End)
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.2.3", "bytes after the return code: CONNACK has no payload");
            return false;
        }

        if (version == ProtocolVersion.V310 && flags != 0)
        {
            // 3.1's first variable header byte is "Topic Name Compression Response: reserved values, not used".
            violation = ProtocolViolation.Malformed("3.1 §3.2 Variable header", "CONNACK byte 1 is reserved in MQTT 3.1");
            return false;
        }

        if ((flags & 0xFE) != 0)
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.2.2.1", "reserved connect acknowledge flags are set");
            return false;
        }

        // 6-255 are "Reserved for future use" (3.1.1 Table 3.1): a value the server must not send. A Protocol Error,
        // like a 5.0 reason code not allowed in CONNACK: the packet parses, its value breaks a rule. 3.1.1 closes either way.
        if (returnCode > (byte)ConnectReturnCode.NotAuthorized)
        {
            violation = ProtocolViolation.ProtocolError("3.1.1 §3.2.2.3", "reserved CONNACK return code");
            return false;
        }

        bool sessionPresent = flags != 0;
        if (sessionPresent && returnCode != 0)
        {
            violation = ProtocolViolation.ProtocolError("3.1.1 MQTT-3.2.2-4", "Session Present set with a non-zero return code");
            return false;
        }

        packet = new ConnAckPacket
        {
            SessionPresent = sessionPresent,
            ReturnCode = (ConnectReturnCode)returnCode,
            ReasonCode = ToReasonCode((ConnectReturnCode)returnCode),
        };
        violation = default;
        return true;
    }

    private static bool TryDecode500(ReadOnlySpan<byte> body, out ConnAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        var reader = new MqttReader(body);
        if (!reader.TryReadByte(out byte flags))
        {
            violation = ProtocolViolation.Malformed("5.0 §3.2.2.1", "CONNACK ends before the acknowledge flags");
            return false;
        }

        if ((flags & 0xFE) != 0)
        {
            violation = ProtocolViolation.Malformed("5.0 MQTT-3.2.2-1", "reserved connect acknowledge flags are set");
            return false;
        }

        if (!reader.TryReadByte(out byte reason))
        {
            violation = ProtocolViolation.Malformed("5.0 §3.2.2.2", "CONNACK ends before the reason code");
            return false;
        }

        // Unlike PUBACK or DISCONNECT, CONNACK has no short form: the property length is always there (§3.2.2.3.1).
        if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.ConnAck, out var properties, out violation))
        {
            return false;
        }

        if (!reader.End)
        {
            violation = ProtocolViolation.Malformed("5.0 §3.2.3", "bytes after the properties: CONNACK has no payload");
            return false;
        }

        var reasonCode = (ReasonCode)reason;
        if (!ReasonCodes.IsAllowedIn(reasonCode, PacketType.ConnAck))
        {
            violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.2.2-8", "reason code not allowed in CONNACK");
            return false;
        }

        bool sessionPresent = flags != 0;
        if (sessionPresent && reasonCode != ReasonCode.Success)
        {
            violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.2.2-6", "Session Present set with a non-zero reason code");
            return false;
        }

        packet = new ConnAckPacket { SessionPresent = sessionPresent, ReasonCode = reasonCode, Properties = properties };
        return true;
    }

    /// <summary>The whole encoded size of <paramref name="packet"/> for <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentException">The packet cannot be written (see <see cref="Write"/>).</exception>
    public static int GetSize(in ConnAckPacket packet, ProtocolVersion version) => PacketSize.Total(GetRemainingLength(packet, version));

    /// <summary>
    /// Writes <paramref name="packet"/> for <paramref name="version"/>, all or nothing, and returns the bytes written.
    /// Either code may carry a refusal, so a refusal is never written as an acceptance: for 3.1 and 3.1.1 the return code
    /// is <see cref="ReturnCode"/>, or, when that is Accepted, the one closest to <see cref="ReasonCode"/>
    /// (<see cref="ReasonCodes.ToConnectReturnCode"/>); for 5.0 the reason code is <see cref="ReasonCode"/>, or, when
    /// that is Success, the 5.0 equivalent of <see cref="ReturnCode"/>. MQTT 3.1 has no Session Present flag: it is not
    /// written. Properties are written only for 5.0.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A caller bug: Session Present with a refusal ([MQTT-3.2.2-4] in 3.1.1, [MQTT-3.2.2-6] in 5.0), a reason code not
    /// allowed in CONNACK (5.0), or one with no 3.1.1 return code.
    /// </exception>
    public static int Write(IBufferWriter<byte> writer, in ConnAckPacket packet, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packet, version, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> if it fits; writes nothing otherwise. See <see cref="Write"/>.</summary>
    public static bool TryWrite(Span<byte> destination, in ConnAckPacket packet, ProtocolVersion version, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, packet, version, remaining);
        bytesWritten = size;
        return true;
    }

    private static int GetRemainingLength(in ConnAckPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            var returnCode = ReturnCodeToWrite(packet);
            if (packet.SessionPresent && returnCode != ConnectReturnCode.Accepted && version != ProtocolVersion.V310)
            {
                ThrowArgument("Session Present must be 0 with a non-zero return code ([MQTT-3.2.2-4]).");
            }

            return 2;
        }

        var reasonCode = ReasonCodeToWrite(packet);
        if (!ReasonCodes.IsAllowedIn(reasonCode, PacketType.ConnAck))
        {
            ThrowArgument("The reason code is not one of the Connect Reason Codes ([MQTT-3.2.2-8]).");
        }

        if (packet.SessionPresent && reasonCode != ReasonCode.Success)
        {
            ThrowArgument("Session Present must be 0 with a non-zero reason code ([MQTT-3.2.2-6]).");
        }

        long length = 2L + PacketSize.PropertyBlock(packet.Properties.Raw.Length);
        return length > int.MaxValue ? int.MaxValue : (int)length;
    }

    private static ConnectReturnCode ReturnCodeToWrite(in ConnAckPacket packet)
    {
        if (packet.ReturnCode != ConnectReturnCode.Accepted)
        {
            if (packet.ReturnCode > ConnectReturnCode.NotAuthorized)
            {
                ThrowArgument("3.1.1 return codes above 5 are reserved (Table 3.1).");
            }

            return packet.ReturnCode;
        }

        var mapped = ReasonCodes.ToConnectReturnCode(packet.ReasonCode);
        if (mapped is null)
        {
            ThrowArgument("This reason code has no MQTT 3.1.1 return code: a 3.1.1 server closes the connection instead.");
        }

        return mapped.Value;
    }

    private static ReasonCode ReasonCodeToWrite(in ConnAckPacket packet)
    {
        if (packet.ReasonCode != ReasonCode.Success || packet.ReturnCode == ConnectReturnCode.Accepted)
        {
            return packet.ReasonCode;
        }

        if (packet.ReturnCode > ConnectReturnCode.NotAuthorized)
        {
            ThrowArgument("3.1.1 return codes above 5 are reserved (Table 3.1).");
        }

        return ToReasonCode(packet.ReturnCode);
    }

    private static void WriteCore(Span<byte> destination, in ConnAckPacket packet, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(FirstByte, remaining);
        w.WriteByte(packet.SessionPresent && version != ProtocolVersion.V310 ? (byte)1 : (byte)0);
        if (version != ProtocolVersion.V500)
        {
            w.WriteByte((byte)ReturnCodeToWrite(packet));
            return;
        }

        w.WriteByte((byte)ReasonCodeToWrite(packet));
        w.WriteVariableByteInteger(packet.Properties.Raw.Length);
        w.WriteBytes(packet.Properties.Raw);
    }

    private static ReasonCode ToReasonCode(ConnectReturnCode returnCode) => returnCode switch
    {
        ConnectReturnCode.Accepted => ReasonCode.Success,
        ConnectReturnCode.UnacceptableProtocolVersion => ReasonCode.UnsupportedProtocolVersion,
        ConnectReturnCode.IdentifierRejected => ReasonCode.ClientIdentifierNotValid,
        ConnectReturnCode.ServerUnavailable => ReasonCode.ServerUnavailable,
        ConnectReturnCode.BadUserNameOrPassword => ReasonCode.BadUserNameOrPassword,
        _ => ReasonCode.NotAuthorized,
    };

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string message) => throw new ArgumentException(message, "packet");
}
