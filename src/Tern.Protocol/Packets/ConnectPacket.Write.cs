using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Tern.Protocol.Packets;

public readonly ref partial struct ConnectPacket
{
    private const byte FirstByte = (byte)PacketType.Connect << 4;

    /// <summary>The whole encoded size of <paramref name="packet"/>, fixed header included.</summary>
    /// <exception cref="ArgumentException">The packet is not one a client may send (see <see cref="Write"/>).</exception>
    public static int GetSize(in ConnectPacket packet) => PacketSize.Total(GetRemainingLength(packet));

    /// <summary>
    /// Writes <paramref name="packet"/> into <paramref name="writer"/>, all or nothing, and returns the bytes written.
    /// The version is <see cref="ProtocolVersion"/>; the protocol name is <see cref="ProtocolName"/>, or the version's
    /// own name (<c>MQIsdp</c> for 3.1, <c>MQTT</c> otherwise) when that is empty. Properties and Will Properties are
    /// written only for 5.0. Payload fields are written only when their flag is set.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A caller bug: an unknown version, Will QoS 3, will fields or flags without <see cref="HasWill"/>, an empty
    /// Will Topic, a user name or password without its flag, a password without a user name before 5.0
    /// ([MQTT-3.1.2-22]), or a field longer than 65,535 bytes.
    /// </exception>
    public static int Write(IBufferWriter<byte> writer, in ConnectPacket packet)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packet);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packet, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> if it fits; writes nothing otherwise. See <see cref="Write"/>.</summary>
    public static bool TryWrite(Span<byte> destination, in ConnectPacket packet, out int bytesWritten)
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

    private static ReadOnlySpan<byte> NameToWrite(ReadOnlySpan<byte> protocolName, ProtocolVersion version) =>
        !protocolName.IsEmpty ? protocolName
        : version == ProtocolVersion.V310 ? "MQIsdp"u8
        : "MQTT"u8;

    private static int GetRemainingLength(in ConnectPacket packet)
    {
        CheckWritable(packet);
        bool v5 = packet.ProtocolVersion == ProtocolVersion.V500;

        // name, level (1), flags (1), keep alive (2)
        long length = PacketSize.LengthPrefixed(NameToWrite(packet.ProtocolName, packet.ProtocolVersion).Length) + 4L
            + (v5 ? PacketSize.PropertyBlock(packet.Properties.Raw.Length) : 0)
            + PacketSize.LengthPrefixed(packet.ClientIdentifier.Length);
        if (packet.HasWill)
        {
            length += (v5 ? PacketSize.PropertyBlock(packet.WillProperties.Raw.Length) : 0)
                + PacketSize.LengthPrefixed(packet.WillTopic.Length)
                + PacketSize.LengthPrefixed(packet.WillPayload.Length);
        }

        if (packet.HasUserName)
        {
            length += PacketSize.LengthPrefixed(packet.UserName.Length);
        }

        if (packet.HasPassword)
        {
            length += PacketSize.LengthPrefixed(packet.Password.Length);
        }

        // Too long for a packet: PacketSize.Total reports it.
        return length > int.MaxValue ? int.MaxValue : (int)length;
    }

    private static void CheckWritable(in ConnectPacket packet)
    {
        if (packet.ProtocolVersion is not (ProtocolVersion.V310 or ProtocolVersion.V311 or ProtocolVersion.V500))
        {
            ThrowArgument("A CONNECT is written for ProtocolVersion V310, V311 or V500.");
        }

        if (packet.WillQoS > QualityOfService.ExactlyOnce)
        {
            ThrowArgument("Will QoS must be 0, 1 or 2 ([MQTT-3.1.2-14] in 3.1.1, [MQTT-3.1.2-12] in 5.0).");
        }

        if (packet.HasWill)
        {
            if (packet.WillTopic.IsEmpty)
            {
                ThrowArgument("A Will Message needs a Will Topic of at least one character ([MQTT-4.7.3-1]).");
            }
        }
        else if (packet.WillQoS != QualityOfService.AtMostOnce || packet.WillRetain || !packet.WillTopic.IsEmpty
            || !packet.WillPayload.IsEmpty || !packet.WillProperties.IsEmpty)
        {
            ThrowArgument("Will QoS, Will Retain and the will fields need HasWill ([MQTT-3.1.2-11] in 3.1.1).");
        }

        if (!packet.HasUserName && !packet.UserName.IsEmpty)
        {
            ThrowArgument("UserName is set but HasUserName is false.");
        }

        if (!packet.HasPassword && !packet.Password.IsEmpty)
        {
            ThrowArgument("Password is set but HasPassword is false.");
        }

        if (packet.HasPassword && !packet.HasUserName && packet.ProtocolVersion != ProtocolVersion.V500)
        {
            ThrowArgument("Before MQTT 5.0 a password needs a user name ([MQTT-3.1.2-22]).");
        }
    }

    private static void WriteCore(Span<byte> destination, in ConnectPacket packet, int remaining)
    {
        bool v5 = packet.ProtocolVersion == ProtocolVersion.V500;
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(FirstByte, remaining);
        w.WriteLengthPrefixed(NameToWrite(packet.ProtocolName, packet.ProtocolVersion));
        w.WriteByte((byte)packet.ProtocolVersion);
        w.WriteByte(ConnectFlags.Compose(packet.CleanSession, packet.HasWill, packet.WillQoS, packet.WillRetain, packet.HasPassword, packet.HasUserName));
        w.WriteUInt16(packet.KeepAlive);
        if (v5)
        {
            w.WriteVariableByteInteger(packet.Properties.Raw.Length);
            w.WriteBytes(packet.Properties.Raw);
        }

        w.WriteLengthPrefixed(packet.ClientIdentifier);
        if (packet.HasWill)
        {
            if (v5)
            {
                w.WriteVariableByteInteger(packet.WillProperties.Raw.Length);
                w.WriteBytes(packet.WillProperties.Raw);
            }

            w.WriteLengthPrefixed(packet.WillTopic);
            w.WriteLengthPrefixed(packet.WillPayload);
        }

        if (packet.HasUserName)
        {
            w.WriteLengthPrefixed(packet.UserName);
        }

        if (packet.HasPassword)
        {
            w.WriteLengthPrefixed(packet.Password);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string message) => throw new ArgumentException(message, "packet");
}
