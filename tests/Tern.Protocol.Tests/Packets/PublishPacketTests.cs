using System.Buffers;
using CsCheck;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class PublishPacketTests
{
    // ---- Golden vectors (3.1.1 §3.3 / 5.0 §3.3: flags DUP-QoS-QoS-RETAIN, topic, [packet id], [properties], payload) ----

    [Fact]
    public void A_311_QoS_0_retained_publish_has_no_packet_identifier()
    {
        var frame = Hex.Bytes(
            "31 07" +          // PUBLISH, flags 0001 = DUP 0, QoS 0, RETAIN 1; remaining length 7
            " 00 03 'a/b'" +   // Topic Name "a/b"
            " 'hi'");          // payload
        var p = Decode(frame, ProtocolVersion.V311, out _);
        Assert.Equal((false, QualityOfService.AtMostOnce, true, 0), (p.Duplicate, p.QoS, p.Retain, (int)p.PacketIdentifier));
        Assert.Equal("a/b"u8, p.TopicName);
        Assert.Equal("hi"u8, p.Payload);
        Assert.Equal(frame, Write(ProtocolVersion.V311, new PublishHeader(QualityOfService.AtMostOnce, Retain: true), "a/b"u8, default, "hi"u8));
    }

    [Fact]
    public void A_311_QoS_2_duplicate_publish_carries_its_packet_identifier()
    {
        var frame = Hex.Bytes(
            "3C 09" +          // PUBLISH, flags 1100 = DUP 1, QoS 2, RETAIN 0; remaining length 9
            " 00 03 'a/b'" +   // Topic Name "a/b"
            " 12 34" +         // packet identifier 0x1234
            " 'hi'");          // payload
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            var p = Decode(frame, version, out _);
            Assert.Equal((true, QualityOfService.ExactlyOnce, false, 0x1234), (p.Duplicate, p.QoS, p.Retain, (int)p.PacketIdentifier));
            Assert.Equal("hi"u8, p.Payload);
            Assert.Equal(frame, Write(version, new PublishHeader(QualityOfService.ExactlyOnce, Duplicate: true, PacketIdentifier: 0x1234), "a/b"u8, default, "hi"u8));
        }
    }

    [Fact]
    public void A_311_QoS_1_publish_may_have_an_empty_payload()
    {
        var frame = Hex.Bytes("3B 07 00 03 'a/b' 00 01"); // PUBLISH, flags 1011 = DUP, QoS 1, RETAIN; RL 7; "a/b"; id 1; no payload
        var p = Decode(frame, ProtocolVersion.V311, out _);
        Assert.True(p.Payload.IsEmpty);
        Assert.Equal(frame, Write(ProtocolVersion.V311, new PublishHeader(QualityOfService.AtLeastOnce, true, true, 1), "a/b"u8, default, default));
    }

    [Fact]
    public void A_50_QoS_0_publish_without_properties_has_a_zero_property_length()
    {
        var frame = Hex.Bytes("30 08 00 03 'a/b' 00 'hi'"); // PUBLISH, RL 8, "a/b", property length 0, payload "hi"
        var p = Decode(frame, ProtocolVersion.V500, out _);
        Assert.True(p.Properties.IsEmpty);
        Assert.Equal(frame, Write(ProtocolVersion.V500, new PublishHeader(QualityOfService.AtMostOnce), "a/b"u8, default, "hi"u8));
    }

    [Fact]
    public void A_50_publish_may_replace_its_topic_with_a_topic_alias_MQTT_3_3_2_8()
    {
        var frame = Hex.Bytes(
            "32 09" +          // PUBLISH, flags 0010 = QoS 1; remaining length 9
            " 00 00" +         // Topic Name "" (the alias stands for it)
            " 00 01" +         // packet identifier 1
            " 03 23 00 05" +   // property length 3: Topic Alias 5
            " 'x'");           // payload
        var p = Decode(frame, ProtocolVersion.V500, out _);
        Assert.True(p.TopicName.IsEmpty);
        Assert.Equal(5, p.TopicAlias);
        var props = new PropertyBuilder().AddUInt16(PropertyId.TopicAlias, 5);
        Assert.Equal(frame, Write(ProtocolVersion.V500, new PublishHeader(QualityOfService.AtLeastOnce, PacketIdentifier: 1), default, props.Span, "x"u8));
    }

    [Fact]
    public void A_50_QoS_2_publish_keeps_its_properties_in_wire_order()
    {
        var frame = Hex.Bytes(
            "35 2F" +                        // PUBLISH, flags 0101 = QoS 2, RETAIN; remaining length 47
            " 00 03 'a/b'" +                 // Topic Name "a/b"
            " 00 07" +                       // packet identifier 7
            " 25" +                          // property length 37
            " 02 00 00 0E 10" +              //   Message Expiry Interval 3600
            " 08 00 05 'reply'" +            //   Response Topic "reply"
            " 09 00 02 CA FE" +              //   Correlation Data CA FE
            " 26 00 01 'k' 00 01 '1'" +      //   User Property k=1
            " 26 00 01 'k' 00 01 '2'" +      //   User Property k=2 (same name, order kept)
            " 0B 05" +                       //   Subscription Identifier 5
            " 0B 81 01" +                    //   Subscription Identifier 129 (two-byte variable byte integer)
            " 'hi'");                        // payload
        var p = Decode(frame, ProtocolVersion.V500, out _);
        Assert.Equal((QualityOfService.ExactlyOnce, true, 7), (p.QoS, p.Retain, (int)p.PacketIdentifier));
        Assert.Equal(3600u, p.Properties.GetIntegerOrNull(PropertyId.MessageExpiryInterval));
        Assert.Equal("reply", p.Properties.GetStringOrNull(PropertyId.ResponseTopic));
        Assert.True(p.Properties.TryGetBytes(PropertyId.CorrelationData, out var correlation));
        Assert.Equal(new byte[] { 0xCA, 0xFE }, correlation.ToArray());

        var userValues = new List<string>();
        var subscriptionIds = new List<uint>();
        foreach (var property in p.Properties)
        {
            if (property.Id == PropertyId.UserProperty)
            {
                userValues.Add(property.GetString() + "=" + property.GetPairValueString());
            }
            else if (property.Id == PropertyId.SubscriptionIdentifier)
            {
                subscriptionIds.Add(property.Integer);
            }
        }

        Assert.Equal(["k=1", "k=2"], userValues);
        Assert.Equal([5u, 129u], subscriptionIds);
        Assert.Equal("hi"u8, p.Payload);

        var props = new PropertyBuilder()
            .AddUInt32(PropertyId.MessageExpiryInterval, 3600)
            .AddString(PropertyId.ResponseTopic, "reply")
            .AddBytes(PropertyId.CorrelationData, [0xCA, 0xFE])
            .AddUserProperty("k", "1")
            .AddUserProperty("k", "2")
            .AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 5)
            .AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 129);
        Assert.Equal(frame, Write(ProtocolVersion.V500, new PublishHeader(QualityOfService.ExactlyOnce, Retain: true, PacketIdentifier: 7), "a/b"u8, props.Span, "hi"u8));
    }

    [Fact]
    public void A_50_publish_with_payload_format_indicator_and_content_type()
    {
        var frame = Hex.Bytes(
            "30 0F" +                // PUBLISH, QoS 0; remaining length 15
            " 00 01 't'" +           // Topic Name "t"
            " 09" +                  // property length 9
            " 01 01" +               //   Payload Format Indicator 1 (UTF-8)
            " 03 00 04 'json'" +     //   Content Type "json"
            " '{}'");                // payload
        var p = Decode(frame, ProtocolVersion.V500, out _);
        Assert.Equal(1u, p.Properties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator));
        Assert.Equal("json", p.Properties.GetStringOrNull(PropertyId.ContentType));
        Assert.Equal("{}"u8, p.Payload);
    }

    [Fact]
    public void A_decoded_publish_can_be_returned_from_the_method_that_decoded_it()
    {
        // TryDecode takes the header as `scoped in`: without it the view could not leave a helper whose FixedHeader is
        // a local, even though the view only points into the body. This helper returning it is the test.
        var p = Decode(Hex.Bytes("30 04 00 01 't' 'x'"), ProtocolVersion.V311, out _);
        Assert.Equal("t"u8, p.TopicName);
    }

    // ---- Round trips ----

    private static readonly Gen<string> TopicName = Gen.Char["ab/é€ $"].Array[1, 16].Select(chars => new string(chars));

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Any_publish_survives_a_round_trip(ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        var flags = Gen.Select(Gen.Byte[0, 2], Gen.Bool, Gen.Bool, Gen.UShort[1, ushort.MaxValue]);
        var properties = Gen.Select(Gen.UInt, Gen.Int[0, 2], Gen.UShort[0, 20], Gen.Bool);
        Gen.Select(flags, TopicName, Gen.Byte.Array[0, 300], properties).Sample((f, topic, payload, prop) =>
        {
            var (qosByte, retain, duplicate, id) = f;
            var qos = (QualityOfService)qosByte;
            var header = new PublishHeader(qos, retain, duplicate && qos != QualityOfService.AtMostOnce, qos == QualityOfService.AtMostOnce ? (ushort)0 : id);
            var (expiry, userProperties, alias, dropTopic) = prop;
            var props = new PropertyBuilder();
            if (expiry % 2 == 0)
            {
                props.AddUInt32(PropertyId.MessageExpiryInterval, expiry);
            }

            for (int i = 0; i < userProperties; i++)
            {
                props.AddUserProperty("name", "value" + i);
            }

            if (alias > 0)
            {
                props.AddUInt16(PropertyId.TopicAlias, alias);
            }

            byte[] topicBytes = v5 && alias > 0 && dropTopic ? [] : System.Text.Encoding.UTF8.GetBytes(topic);
            var bytes = Write(version, header, topicBytes, props.Span, payload);
            Assert.Equal(PublishPacket.GetSize(version, qos, topicBytes.Length, props.Span.Length, payload.Length), bytes.Length);

            var p = Decode(bytes, version, out _);
            Assert.Equal((header.QoS, header.Retain, header.Duplicate, header.PacketIdentifier), (p.QoS, p.Retain, p.Duplicate, p.PacketIdentifier));
            Assert.Equal(topicBytes, p.TopicName.ToArray());
            Assert.Equal(v5 ? props.Span : default, p.Properties.Raw);
            Assert.Equal(payload, p.Payload.ToArray());
        }, iter: 500);
    }

    // ---- Allocation ----

    public static TheoryData<ProtocolVersion, int> AllocationCases => new()
    {
        { ProtocolVersion.V311, 16 },
        { ProtocolVersion.V311, 1024 },
        { ProtocolVersion.V500, 16 },
        { ProtocolVersion.V500, 1024 },
    };

    [Theory]
    [MemberData(nameof(AllocationCases))]
    public void Decoding_a_publish_and_writing_it_into_a_reused_buffer_writer_allocates_nothing(ProtocolVersion version, int payloadSize)
    {
        var props = new PropertyBuilder()
            .AddUInt32(PropertyId.MessageExpiryInterval, 60)
            .AddString(PropertyId.ContentType, "application/octet-stream")
            .AddUserProperty("trace", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .AddUInt16(PropertyId.TopicAlias, 3);
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);
        var setup = new ArrayBufferWriter<byte>();
        PublishPacket.Write(setup, version, new PublishHeader(QualityOfService.AtLeastOnce, PacketIdentifier: 42), "sensors/floor-3/room-12/temperature"u8, props.Span, payload);
        byte[] frame = setup.WrittenSpan.ToArray();
        var output = new ArrayBufferWriter<byte>(4096);

        Assert.True(RoundTripOnce(frame, version, output)); // warm-up: JIT, statics
        for (int i = 0; i < 100; i++)
        {
            RoundTripOnce(frame, version, output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok = true;
        for (int i = 0; i < 1000; i++)
        {
            ok &= RoundTripOnce(frame, version, output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
        Assert.Equal(0, allocated);
        Assert.Equal(frame, output.WrittenSpan.ToArray()); // the loop did the real work
    }

    private static bool RoundTripOnce(byte[] frame, ProtocolVersion version, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        if (FrameScanner.TryScan(frame, int.MaxValue, out var header, out _) != FrameStatus.Complete
            || !PublishPacket.TryDecode(header, frame.AsSpan(header.HeaderLength, header.RemainingLength), version, out var p, out _))
        {
            return false;
        }

        PublishPacket.Write(output, version, new PublishHeader(p.QoS, p.Retain, p.Duplicate, p.PacketIdentifier), p.TopicName, p.Properties.Raw, p.Payload);
        return true;
    }

    // ---- Helpers ----

    private static PublishPacket Decode(byte[] frame, ProtocolVersion version, out FixedHeader header)
    {
        var body = Hex.SplitFrame(frame, out header);
        Assert.True(PublishPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static byte[] Write(ProtocolVersion version, PublishHeader header, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = PublishPacket.Write(writer, version, header, topic, properties, payload);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }
}
