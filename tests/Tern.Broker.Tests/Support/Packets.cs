using System.Buffers;
using System.Text;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Support;

/// <summary>Packets a test client sends, built with the codec's writers (which have their own golden-vector tests).</summary>
internal static class Packets
{
    public static byte[] Connect(
        string clientId,
        ProtocolVersion version = ProtocolVersion.V311,
        bool clean = true,
        ushort keepAlive = 60,
        string? willTopic = null,
        string willPayload = "gone",
        QualityOfService willQoS = QualityOfService.AtMostOnce,
        bool willRetain = false,
        uint? sessionExpiry = null,
        ushort? receiveMaximum = null,
        PropertyBuilder? properties = null,
        PropertyBuilder? willProperties = null)
    {
        properties ??= new PropertyBuilder();
        if (sessionExpiry is { } expiry)
        {
            properties.AddUInt32(PropertyId.SessionExpiryInterval, expiry);
        }

        if (receiveMaximum is { } maximum)
        {
            properties.AddUInt16(PropertyId.ReceiveMaximum, maximum);
        }

        var writer = new ArrayBufferWriter<byte>();
        ConnectPacket.Write(writer, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = clean,
            KeepAlive = keepAlive,
            Properties = new MqttProperties(properties.Span),
            ClientIdentifier = Encoding.UTF8.GetBytes(clientId),
            HasWill = willTopic is not null,
            WillQoS = willTopic is null ? QualityOfService.AtMostOnce : willQoS,
            WillRetain = willTopic is not null && willRetain,
            WillProperties = new MqttProperties(willProperties is null ? default : willProperties.Span),
            WillTopic = willTopic is null ? default : Encoding.UTF8.GetBytes(willTopic),
            WillPayload = willTopic is null ? default : Encoding.UTF8.GetBytes(willPayload),
        });
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Subscribe(ushort packetId, string filter, QualityOfService qos, ProtocolVersion version = ProtocolVersion.V311, bool noLocal = false) =>
        Subscribe(packetId, filter, new SubscriptionOptions(qos, noLocal), version);

    public static byte[] Subscribe(ushort packetId, string filter, SubscriptionOptions options, ProtocolVersion version = ProtocolVersion.V500, int subscriptionIdentifier = 0)
    {
        var properties = new PropertyBuilder();
        if (subscriptionIdentifier > 0)
        {
            properties.AddVariableByteInteger(PropertyId.SubscriptionIdentifier, subscriptionIdentifier);
        }

        var writer = new ArrayBufferWriter<byte>();
        SubscribePacket.Write(writer, packetId, [new SubscriptionRequest(filter, options)], properties.Span, version);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Unsubscribe(ushort packetId, string filter, ProtocolVersion version = ProtocolVersion.V311)
    {
        var writer = new ArrayBufferWriter<byte>();
        UnsubscribePacket.Write(writer, packetId, [filter], default, version);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Publish(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, ushort packetId = 0, bool retain = false, bool duplicate = false, ProtocolVersion version = ProtocolVersion.V311, PropertyBuilder? properties = null)
    {
        var writer = new ArrayBufferWriter<byte>();
        PublishPacket.Write(writer, version, new PublishHeader(qos, retain, duplicate, packetId), Encoding.UTF8.GetBytes(topic), properties is null ? default : properties.Span, Encoding.UTF8.GetBytes(payload));
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Ack(PacketType type, ushort packetId)
    {
        var bytes = new byte[4];
        PubAckPacket.WriteShort(bytes, type, packetId);
        return bytes;
    }

    public static readonly byte[] Disconnect = [0xE0, 0x00];
}

/// <summary>Reads what a test client received.</summary>
internal static class Received
{
    public sealed record Publish(string Topic, string Payload, QualityOfService QoS, bool Retain, bool Duplicate, ushort PacketId)
    {
        /// <summary>The 5.0 Message Expiry Interval, if any.</summary>
        public uint? MessageExpiry { get; init; }

        /// <summary>The 5.0 Subscription Identifiers, in order.</summary>
        public int[] SubscriptionIdentifiers { get; init; } = [];

        /// <summary>The 5.0 Topic Alias, or 0.</summary>
        public ushort TopicAlias { get; init; }
    }

    public static Publish AsPublish(byte[] frame, ProtocolVersion version = ProtocolVersion.V311)
    {
        var body = frame.AsSpan(1 + LengthSize(frame));
        var header = new Tern.Protocol.Framing.FixedHeader(frame[0], body.Length, 1 + LengthSize(frame));
        Assert.True(PublishPacket.TryDecode(header, body, version, out var packet, out var violation), $"not a valid PUBLISH: {Convert.ToHexString(frame)} {violation}");
        var identifiers = new List<int>();
        foreach (var p in packet.Properties)
        {
            if (p.Id == PropertyId.SubscriptionIdentifier)
            {
                identifiers.Add((int)p.Integer);
            }
        }

        return new Publish(Encoding.UTF8.GetString(packet.TopicName), Encoding.UTF8.GetString(packet.Payload), packet.QoS, packet.Retain, packet.Duplicate, packet.PacketIdentifier)
        {
            MessageExpiry = packet.Properties.GetIntegerOrNull(PropertyId.MessageExpiryInterval),
            SubscriptionIdentifiers = [.. identifiers],
            TopicAlias = packet.TopicAlias,
        };
    }

    private static int LengthSize(byte[] frame)
    {
        int i = 1;
        while ((frame[i] & 0x80) != 0)
        {
            i++;
        }

        return i;
    }
}

/// <summary>Expectations about what the broker sends.</summary>
internal static class Expect
{
    /// <summary>Reads the next packet, which must be an MQTT 5.0 DISCONNECT with <paramref name="reason"/>; returns its Reason String.</summary>
    public static async Task<string?> DisconnectAsync(Tern.TestKit.RawMqttConnection connection, ReasonCode reason)
    {
        var frame = await connection.ReadPacketAsync(Timeouts.Default);
        var header = new Tern.Protocol.Framing.FixedHeader(frame[0], frame.Length - 2, 2);
        Assert.True(frame[0] == 0xE0 && frame[1] < 0x80, $"expected a DISCONNECT, got {Convert.ToHexString(frame)}");
        Assert.True(DisconnectPacket.TryDecode(header, frame.AsSpan(2), ProtocolVersion.V500, out var disconnect, out var violation), violation.ToString());
        Assert.Equal(reason, disconnect.ReasonCode);
        return disconnect.Properties.GetStringOrNull(Tern.Protocol.Properties.PropertyId.ReasonString);
    }
}
