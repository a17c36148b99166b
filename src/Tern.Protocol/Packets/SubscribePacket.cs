using System.Buffers;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded SUBSCRIBE (3.1.1 §3.8, 5.0 §3.8): a read-only view over the packet's bytes. The Topic Filters are slices of
/// the receive buffer; copy what must outlive it.
/// </summary>
public readonly ref struct SubscribePacket
{
    /// <summary>The share prefix of a Shared Subscription's Topic Filter (5.0 §4.8.2).</summary>
    private static ReadOnlySpan<byte> SharePrefix => "$share/"u8;

    /// <summary>The packet identifier; never 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 properties: at most one Subscription Identifier, and User Properties (empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>The Topic Filter / Subscription Options pairs, at least one; enumerate with <c>foreach</c>.</summary>
    public SubscriptionList Subscriptions { get; init; }

    /// <summary>The Subscription Identifier (1 to 268,435,455), or 0 when there is none.</summary>
    public uint SubscriptionIdentifier => Properties.TryGetInteger(PropertyId.SubscriptionIdentifier, out uint id) ? id : 0;

    /// <summary>
    /// Decodes a SUBSCRIBE body and validates every entry up front, so that enumerating <see cref="Subscriptions"/>
    /// cannot fail: flags 0010, non-zero packet identifier, properties (5.0), at least one filter, each filter
    /// non-empty well-formed UTF-8 without U+0000, and each options byte (3.x: only the QoS bits, QoS below 3; 5.0:
    /// reserved bits 6–7 clear, QoS and Retain Handling below 3, No Local not on a <c>$share/</c> filter).
    /// Wildcard placement is not checked: the broker answers a bad filter in SUBACK. Never throws.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out SubscribePacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        if (header.Type != PacketType.Subscribe)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not a SUBSCRIBE fixed header");
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadUInt16(out ushort packetId))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.8.2" : "3.1.1 §3.8.2", "SUBSCRIBE ends inside the packet identifier");
            return false;
        }

        if (packetId == 0)
        {
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "SUBSCRIBE with packet identifier 0");
            return false;
        }

        MqttProperties properties = default;
        if (v5 && !PropertyReader.TryReadBlock(ref reader, PropertyContext.Subscribe, out properties, out violation))
        {
            return false;
        }

        var payload = reader.ReadToEnd();
        if (!TryValidatePayload(payload, v5, out int count, out violation))
        {
            return false;
        }

        packet = new SubscribePacket
        {
            PacketIdentifier = packetId,
            Properties = properties,
            Subscriptions = new SubscriptionList(payload, count),
        };
        return true;
    }

    /// <summary>The whole encoded size of a SUBSCRIBE with these parts.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static int GetSize(ushort packetId, ReadOnlySpan<SubscriptionRequest> subscriptions, ReadOnlySpan<byte> properties, ProtocolVersion version) =>
        PacketSize.Total(GetRemainingLength(packetId, subscriptions, properties, version));

    /// <summary>Writes a SUBSCRIBE into <paramref name="writer"/>, all or nothing, and returns the bytes written.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="packetId">A non-zero packet identifier.</param>
    /// <param name="subscriptions">At least one Topic Filter with its options.</param>
    /// <param name="properties">Encoded 5.0 properties (Subscription Identifier, User Properties) without the length prefix; ignored before 5.0.</param>
    /// <param name="version">Protocol version. Before 5.0 only the QoS bits of each options byte are written (<see cref="SubscriptionOptions.ToByte(ProtocolVersion)"/>).</param>
    /// <exception cref="ArgumentException">
    /// Packet identifier 0; no subscription; an empty Topic Filter or one holding U+0000 or longer than 65,535 bytes; QoS or
    /// Retain Handling 3; No Local on a <c>$share/</c> filter in 5.0; or a packet longer than the largest remaining length.
    /// </exception>
    public static int Write(IBufferWriter<byte> writer, ushort packetId, ReadOnlySpan<SubscriptionRequest> subscriptions, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packetId, subscriptions, properties, version);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packetId, subscriptions, properties, version, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes a SUBSCRIBE into <paramref name="destination"/> if it fits; writes nothing otherwise.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static bool TryWrite(Span<byte> destination, ushort packetId, ReadOnlySpan<SubscriptionRequest> subscriptions, ReadOnlySpan<byte> properties, ProtocolVersion version, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packetId, subscriptions, properties, version);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, packetId, subscriptions, properties, version, remaining);
        bytesWritten = size;
        return true;
    }

    private static bool TryValidatePayload(ReadOnlySpan<byte> payload, bool v5, out int count, out ProtocolViolation violation)
    {
        count = 0;
        var reader = new MqttReader(payload);
        while (!reader.End)
        {
            if (!reader.TryReadLengthPrefixed(out var filter))
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.8.3" : "3.1.1 §3.8.3", "SUBSCRIBE ends inside a topic filter");
                return false;
            }

            if (!reader.TryReadByte(out byte options))
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.8.3.1" : "3.1.1 §3.8.3", "SUBSCRIBE ends before a topic filter's options byte");
                return false;
            }

            violation = TopicFilterList.Validate(filter, v5);
            if (!violation.IsNone)
            {
                return false;
            }

            violation = v5 ? ValidateOptions5(filter, options) : ValidateOptions3(options);
            if (!violation.IsNone)
            {
                return false;
            }

            count++;
        }

        if (count == 0)
        {
            // 3.1.1: "a SUBSCRIBE packet with no payload is a protocol violation"; 5.0: "... is a Protocol Error".
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-3.8.3-2" : "3.1.1 MQTT-3.8.3-3", "SUBSCRIBE without any topic filter");
            return false;
        }

        violation = default;
        return true;
    }

    // 3.1 and 3.1.1: the upper 6 bits are reserved and the QoS is 0, 1 or 2, else "malformed" [MQTT-3-8.3-4]
    // (the hyphen is the specification's own typo).
    private static ProtocolViolation ValidateOptions3(byte options) =>
        (options & 0xFC) != 0 || (options & 0x03) == 3
            ? ProtocolViolation.Malformed("3.1.1 MQTT-3-8.3-4", "reserved bits set or QoS 3 in a SUBSCRIBE options byte")
            : default;

    private static ProtocolViolation ValidateOptions5(ReadOnlySpan<byte> filter, byte options)
    {
        if ((options & 0xC0) != 0)
        {
            return ProtocolViolation.Malformed("5.0 MQTT-3.8.3-5", "reserved bits 6-7 set in the Subscription Options");
        }

        // §3.8.3.1: "It is a Protocol Error if the Maximum QoS field has the value 3" and "It is a Protocol Error to send
        // a Retain Handling value of 3"; neither sentence carries a statement id.
        if ((options & 0x03) == 3)
        {
            return ProtocolViolation.ProtocolError("5.0 §3.8.3.1", "Maximum QoS 3 in the Subscription Options");
        }

        if ((options & 0x30) == 0x30)
        {
            return ProtocolViolation.ProtocolError("5.0 §3.8.3.1", "Retain Handling 3 in the Subscription Options");
        }

        if ((options & 0x04) != 0 && filter.StartsWith(SharePrefix))
        {
            return ProtocolViolation.ProtocolError("5.0 MQTT-3.8.3-4", "No Local set on a Shared Subscription");
        }

        return default;
    }

    private static int GetRemainingLength(ushort packetId, ReadOnlySpan<SubscriptionRequest> subscriptions, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packetId);
        if (subscriptions.IsEmpty)
        {
            throw new ArgumentException("A SUBSCRIBE holds at least one Topic Filter ([MQTT-3.8.3-3] in 3.1.1, [MQTT-3.8.3-2] in 5.0).", nameof(subscriptions));
        }

        bool v5 = version == ProtocolVersion.V500;
        long length = 2 + (v5 ? PacketSize.PropertyBlock(properties.Length) : 0);
        foreach (var s in subscriptions)
        {
            length += TopicFilterList.GetEncodedLength(s.TopicFilter, nameof(subscriptions)) + 1;
            if (!s.Options.IsValid)
            {
                throw new ArgumentException("QoS 3 and Retain Handling 3 cannot be requested.", nameof(subscriptions));
            }

            if (v5 && s.Options.NoLocal && s.TopicFilter.StartsWith("$share/", StringComparison.Ordinal))
            {
                throw new ArgumentException("No Local cannot be set on a Shared Subscription ([MQTT-3.8.3-4]).", nameof(subscriptions));
            }
        }

        if (length > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"A packet's remaining length is at most {VariableByteInteger.MaxValue}; this SUBSCRIBE would be {length}.", nameof(subscriptions));
        }

        return (int)length;
    }

    private static void WriteCore(Span<byte> destination, ushort packetId, ReadOnlySpan<SubscriptionRequest> subscriptions, ReadOnlySpan<byte> properties, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(((byte)PacketType.Subscribe << 4) | 0x02, remaining);
        w.WriteUInt16(packetId);
        if (version == ProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(properties.Length);
            w.WriteBytes(properties);
        }

        foreach (var s in subscriptions)
        {
            w.WriteString(s.TopicFilter);
            w.WriteByte(s.Options.ToByte(version));
        }
    }
}
