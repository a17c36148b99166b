using System.Buffers;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Tests.Robustness;

/// <summary>One valid frame of the seed corpus: what it is, the version it is valid in, and its bytes.</summary>
internal sealed record CorpusFrame(string Name, ProtocolVersion Version, byte[] Frame);

/// <summary>
/// Valid frames of all 15 packet types in 3.1, 3.1.1 and 5.0 (AUTH in 5.0 only), written by the codec's own writers:
/// the starting points the fuzzer mutates. The 5.0 frames carry as many properties as each packet allows, so mutations
/// land in property blocks, strings inside properties and will properties.
/// </summary>
internal static class SeedCorpus
{
    private static readonly ProtocolVersion[] Versions = [ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500];

    public static IReadOnlyList<CorpusFrame> Build()
    {
        var frames = new List<CorpusFrame>();
        foreach (var version in Versions)
        {
            AddConnect(frames, version);
            AddConnAck(frames, version);
            AddPublish(frames, version);
            AddAcks(frames, version);
            AddSubscribe(frames, version);
            AddSubAck(frames, version);
            AddUnsubscribe(frames, version);
            AddUnsubAck(frames, version);
            AddPingAndDisconnect(frames, version);
        }

        AddAuth(frames);
        return frames;
    }

    private static byte[] Written(Func<IBufferWriter<byte>, int> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        int size = write(writer);
        Assert.Equal(size, writer.WrittenCount);
        return writer.WrittenSpan.ToArray();
    }

    private static void AddConnect(List<CorpusFrame> frames, ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        frames.Add(new("CONNECT minimal", version, Written(w => ConnectPacket.Write(w, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = true,
            KeepAlive = 60,
            ClientIdentifier = "c"u8,
        }))));

        byte[] props = v5
            ? new PropertyBuilder()
                .AddUInt32(PropertyId.SessionExpiryInterval, 3600)
                .AddUInt16(PropertyId.ReceiveMaximum, 20)
                .AddUInt32(PropertyId.MaximumPacketSize, 1 << 20)
                .AddUInt16(PropertyId.TopicAliasMaximum, 10)
                .AddByte(PropertyId.RequestResponseInformation, 1)
                .AddByte(PropertyId.RequestProblemInformation, 0)
                .AddUserProperty("region", "eu-west")
                .AddUserProperty("région", "ünïcödé ✓")
                .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-1")
                .AddBytes(PropertyId.AuthenticationData, [0x01, 0x02, 0x03, 0xFF])
                .Span.ToArray()
            : [];
        byte[] willProps = v5
            ? new PropertyBuilder()
                .AddUInt32(PropertyId.WillDelayInterval, 5)
                .AddByte(PropertyId.PayloadFormatIndicator, 1)
                .AddUInt32(PropertyId.MessageExpiryInterval, 120)
                .AddString(PropertyId.ContentType, "text/plain")
                .AddString(PropertyId.ResponseTopic, "replies/c")
                .AddBytes(PropertyId.CorrelationData, [0xDE, 0xAD, 0xBE, 0xEF])
                .AddUserProperty("k", "v")
                .Span.ToArray()
            : [];
        frames.Add(new("CONNECT with will, user name, password and properties", version, Written(w => ConnectPacket.Write(w, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = false,
            KeepAlive = 30,
            Properties = new MqttProperties(props),
            ClientIdentifier = "sensor-42/ünï"u8,
            HasWill = true,
            WillQoS = QualityOfService.AtLeastOnce,
            WillRetain = true,
            WillProperties = new MqttProperties(willProps),
            WillTopic = "status/sensor-42"u8,
            WillPayload = "offline"u8,
            HasUserName = true,
            UserName = "alice"u8,
            HasPassword = true,
            Password = [0x00, 0x01, 0x80, 0xFF],
        }))));

        frames.Add(new("CONNECT with QoS 2 will, empty will payload, user name only", version, Written(w => ConnectPacket.Write(w, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = true,
            ClientIdentifier = "c2"u8,
            HasWill = true,
            WillQoS = QualityOfService.ExactlyOnce,
            WillTopic = "w"u8,
            HasUserName = true,
            UserName = ""u8,
        }))));
    }

    private static void AddConnAck(List<CorpusFrame> frames, ProtocolVersion version)
    {
        frames.Add(new("CONNACK accepted, session present", version, Written(w => ConnAckPacket.Write(w, new ConnAckPacket { SessionPresent = true }, version))));
        frames.Add(new("CONNACK refused, not authorized", version, Written(w => ConnAckPacket.Write(w, new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }, version))));
        if (version != ProtocolVersion.V500)
        {
            return;
        }

        byte[] props = new PropertyBuilder()
            .AddUInt32(PropertyId.SessionExpiryInterval, 600)
            .AddUInt16(PropertyId.ReceiveMaximum, 100)
            .AddByte(PropertyId.MaximumQoS, 1)
            .AddByte(PropertyId.RetainAvailable, 1)
            .AddUInt32(PropertyId.MaximumPacketSize, 65536)
            .AddString(PropertyId.AssignedClientIdentifier, "auto-7f3a")
            .AddUInt16(PropertyId.TopicAliasMaximum, 16)
            .AddString(PropertyId.ReasonString, "welcome")
            .AddByte(PropertyId.WildcardSubscriptionAvailable, 1)
            .AddByte(PropertyId.SubscriptionIdentifierAvailable, 1)
            .AddByte(PropertyId.SharedSubscriptionAvailable, 0)
            .AddUInt16(PropertyId.ServerKeepAlive, 45)
            .AddString(PropertyId.ResponseInformation, "resp/")
            .AddString(PropertyId.ServerReference, "other.example:1883")
            .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-1")
            .AddBytes(PropertyId.AuthenticationData, [0x10, 0x20])
            .AddUserProperty("a", "b")
            .AddUserProperty("a", "c")
            .Span.ToArray();
        frames.Add(new("CONNACK with every property", version, Written(w => ConnAckPacket.Write(w, new ConnAckPacket { Properties = new MqttProperties(props) }, version))));
    }

    private static void AddPublish(List<CorpusFrame> frames, ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        byte[] payload300 = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))];
        byte[] props = v5
            ? new PropertyBuilder()
                .AddByte(PropertyId.PayloadFormatIndicator, 0)
                .AddUInt32(PropertyId.MessageExpiryInterval, 30)
                .AddUInt16(PropertyId.TopicAlias, 3)
                .AddString(PropertyId.ResponseTopic, "reply/to/me")
                .AddBytes(PropertyId.CorrelationData, [1, 2, 3, 4, 5, 6, 7, 8])
                .AddUserProperty("trace", "abc")
                .AddUserProperty("span", "def")
                .AddUserProperty("ключ", "значение")
                .AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 1)
                .AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 268_435_455)
                .AddString(PropertyId.ContentType, "application/octet-stream")
                .Span.ToArray()
            : [];

        frames.Add(new("PUBLISH QoS 0, empty payload", version, Written(w =>
            PublishPacket.Write(w, version, new PublishHeader(QualityOfService.AtMostOnce), "a/b"u8, default, default))));
        frames.Add(new("PUBLISH QoS 1 retain, 16 B", version, Written(w =>
            PublishPacket.Write(w, version, new PublishHeader(QualityOfService.AtLeastOnce, Retain: true, PacketIdentifier: 1), "sensors/temp"u8, default, "0123456789abcdef"u8))));
        frames.Add(new("PUBLISH QoS 2 DUP, 300 B with properties", version, Written(w =>
            PublishPacket.Write(w, version, new PublishHeader(QualityOfService.ExactlyOnce, Duplicate: true, PacketIdentifier: 0xFFFF), "a/ü/€/𝄞"u8, props, payload300))));
        if (v5)
        {
            byte[] alias = new PropertyBuilder().AddUInt16(PropertyId.TopicAlias, 1).Span.ToArray();
            frames.Add(new("PUBLISH with empty topic and Topic Alias", version, Written(w =>
                PublishPacket.Write(w, version, new PublishHeader(QualityOfService.AtLeastOnce, PacketIdentifier: 9), default, alias, "x"u8))));
        }
    }

    private static void AddAcks(List<CorpusFrame> frames, ProtocolVersion version)
    {
        foreach (var type in (PacketType[])[PacketType.PubAck, PacketType.PubRec, PacketType.PubRel, PacketType.PubComp])
        {
            frames.Add(new($"{type} short form", version, Written(w => PubAckPacket.Write(w, new PubAckPacket { Type = type, PacketIdentifier = 0x1234 }, version))));
            if (version != ProtocolVersion.V500)
            {
                continue;
            }

            var failure = type is PacketType.PubAck or PacketType.PubRec ? ReasonCode.NoMatchingSubscribers : ReasonCode.PacketIdentifierNotFound;
            frames.Add(new($"{type} with reason code", version, Written(w => PubAckPacket.Write(w, new PubAckPacket { Type = type, PacketIdentifier = 7, ReasonCode = failure }, version))));
            byte[] props = new PropertyBuilder().AddString(PropertyId.ReasonString, "why not").AddUserProperty("k", "v").AddUserProperty("k2", "").Span.ToArray();
            frames.Add(new($"{type} with reason code and properties", version, Written(w =>
                PubAckPacket.Write(w, new PubAckPacket { Type = type, PacketIdentifier = 8, ReasonCode = failure, Properties = new MqttProperties(props) }, version))));
        }
    }

    private static void AddSubscribe(List<CorpusFrame> frames, ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        frames.Add(new("SUBSCRIBE one filter", version, Written(w =>
            SubscribePacket.Write(w, 1, [new("a/b", new SubscriptionOptions(QualityOfService.AtLeastOnce))], default, version))));

        var ten = Enumerable.Range(0, 10).Select(i => new SubscriptionRequest(
            (i % 3) switch { 0 => $"sport/tennis/player{i}/#", 1 => $"+/ü{i}/+", _ => i == 8 ? "$share/group/a/b" : $"home/room{i}/temp" },
            new SubscriptionOptions(
                (QualityOfService)(i % 3),
                NoLocal: v5 && i % 4 == 1,
                RetainAsPublished: v5 && i % 2 == 0,
                RetainHandling: v5 ? (RetainHandling)(i % 3) : RetainHandling.SendAtSubscribe))).ToArray();
        byte[] props = v5
            ? new PropertyBuilder().AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 16_384).AddUserProperty("who", "me").Span.ToArray()
            : [];
        frames.Add(new("SUBSCRIBE ten filters with properties", version, Written(w => SubscribePacket.Write(w, 0xABCD, ten, props, version))));
    }

    private static void AddSubAck(List<CorpusFrame> frames, ProtocolVersion version)
    {
        ReasonCode[] codes = version switch
        {
            ProtocolVersion.V310 => [ReasonCode.Success, ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2],
            ProtocolVersion.V311 => [ReasonCode.Success, ReasonCode.GrantedQoS2, ReasonCode.UnspecifiedError],
            _ => [ReasonCode.GrantedQoS1, ReasonCode.TopicFilterInvalid, ReasonCode.SharedSubscriptionsNotSupported, ReasonCode.QuotaExceeded],
        };
        byte[] props = version == ProtocolVersion.V500
            ? new PropertyBuilder().AddString(PropertyId.ReasonString, "partly").AddUserProperty("x", "y").Span.ToArray()
            : [];
        frames.Add(new("SUBACK several codes", version, Written(w =>
            SubAckPacket.Write(w, new SubAckPacket { PacketIdentifier = 5, ReasonCodes = codes, Properties = new MqttProperties(props) }, version))));
    }

    private static void AddUnsubscribe(List<CorpusFrame> frames, ProtocolVersion version)
    {
        byte[] props = version == ProtocolVersion.V500 ? new PropertyBuilder().AddUserProperty("u", "v").Span.ToArray() : [];
        frames.Add(new("UNSUBSCRIBE three filters", version, Written(w =>
            UnsubscribePacket.Write(w, 77, ["a/b", "+/x/#", "$share/g/t"], props, version))));
    }

    private static void AddUnsubAck(List<CorpusFrame> frames, ProtocolVersion version)
    {
        byte[] props = version == ProtocolVersion.V500 ? new PropertyBuilder().AddString(PropertyId.ReasonString, "done").Span.ToArray() : [];
        ReasonCode[] codes = [ReasonCode.Success, ReasonCode.NoSubscriptionExisted, ReasonCode.NotAuthorized];
        frames.Add(new("UNSUBACK", version, Written(w =>
            UnsubAckPacket.Write(w, new UnsubAckPacket { PacketIdentifier = 77, ReasonCodes = codes, Properties = new MqttProperties(props) }, version))));
    }

    private static void AddPingAndDisconnect(List<CorpusFrame> frames, ProtocolVersion version)
    {
        frames.Add(new("PINGREQ", version, Written(PingPacket.WriteRequest)));
        frames.Add(new("PINGRESP", version, Written(PingPacket.WriteResponse)));
        frames.Add(new("DISCONNECT", version, Written(w => DisconnectPacket.Write(w, default, version))));
        if (version != ProtocolVersion.V500)
        {
            return;
        }

        frames.Add(new("DISCONNECT with reason code", version, Written(w =>
            DisconnectPacket.Write(w, new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage }, version))));
        byte[] props = new PropertyBuilder()
            .AddUInt32(PropertyId.SessionExpiryInterval, 0)
            .AddString(PropertyId.ReasonString, "bye")
            .AddString(PropertyId.ServerReference, "elsewhere")
            .AddUserProperty("k", "v")
            .Span.ToArray();
        frames.Add(new("DISCONNECT with reason code and properties", version, Written(w =>
            DisconnectPacket.Write(w, new DisconnectPacket { ReasonCode = ReasonCode.ServerMoved, Properties = new MqttProperties(props) }, version))));
    }

    private static void AddAuth(List<CorpusFrame> frames)
    {
        frames.Add(new("AUTH success short form", ProtocolVersion.V500, Written(w => AuthPacket.Write(w, default))));
        byte[] props = new PropertyBuilder()
            .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-1")
            .AddBytes(PropertyId.AuthenticationData, [.. Enumerable.Range(0, 40).Select(i => (byte)i)])
            .AddString(PropertyId.ReasonString, "continue")
            .AddUserProperty("n", "1")
            .Span.ToArray();
        frames.Add(new("AUTH continue with properties", ProtocolVersion.V500, Written(w =>
            AuthPacket.Write(w, new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, Properties = new MqttProperties(props) }))));
    }
}
