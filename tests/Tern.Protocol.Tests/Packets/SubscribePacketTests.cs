using System.Buffers;
using System.Text;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class SubscribePacketTests
{
    // ---- Golden vectors ----

    [Fact]
    public void A_311_subscribe_with_two_filters_matches_the_field_layout_of_section_3_8()
    {
        var frame = Hex.Bytes(
            "82 0E" +              // SUBSCRIBE, flags 0010, remaining length 14
            " 00 0A" +             // packet identifier 10
            " 00 03 'a/b' 01" +    // Topic Filter "a/b", requested QoS 1
            " 00 03 'c/#' 02");    // Topic Filter "c/#", requested QoS 2
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            var entries = DecodeEntries(frame, version, out ushort packetId, out _);
            Assert.Equal(10, packetId);
            Assert.Equal([("a/b", new SubscriptionOptions(QualityOfService.AtLeastOnce)), ("c/#", new SubscriptionOptions(QualityOfService.ExactlyOnce))], entries);

            SubscriptionRequest[] requests = [new("a/b", new(QualityOfService.AtLeastOnce)), new("c/#", new(QualityOfService.ExactlyOnce))];
            Assert.Equal(frame, Write(10, requests, default, version));
        }
    }

    [Fact]
    public void A_50_subscribe_carries_a_subscription_identifier_and_every_option_bit()
    {
        var frame = Hex.Bytes(
            "82 1C" +                       // SUBSCRIBE, flags 0010, remaining length 28
            " 01 02" +                      // packet identifier 0x0102
            " 02 0B 2A" +                   // property length 2: Subscription Identifier 42
            " 00 03 'a/+' 2D" +             // "a/+": 0010 1101 = Retain Handling 2, RAP 1, No Local 1, QoS 1
            " 00 0A '$share/g/x' 12" +      // "$share/g/x": 0001 0010 = Retain Handling 1, QoS 2
            " 00 01 '#' 00");               // "#": all options 0
        var entries = DecodeEntries(frame, ProtocolVersion.V500, out ushort packetId, out uint subscriptionId);
        Assert.Equal(0x0102, packetId);
        Assert.Equal(42u, subscriptionId);
        SubscriptionRequest[] expected =
        [
            new("a/+", new(QualityOfService.AtLeastOnce, NoLocal: true, RetainAsPublished: true, RetainHandling.DoNotSend)),
            new("$share/g/x", new(QualityOfService.ExactlyOnce, RetainHandling: RetainHandling.SendAtSubscribeIfNew)),
            new("#", new(QualityOfService.AtMostOnce)),
        ];
        Assert.Equal(expected.Select(r => (r.TopicFilter, r.Options)), entries);

        var props = new PropertyBuilder().AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 42);
        Assert.Equal(frame, Write(0x0102, expected, props.Span, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_subscribe_without_properties_has_a_zero_property_length()
    {
        var frame = Hex.Bytes("82 09 00 01 00 00 03 'a/b' 00"); // SUBSCRIBE, RL 9, id 1, property length 0, "a/b" QoS 0
        var entries = DecodeEntries(frame, ProtocolVersion.V500, out _, out uint subscriptionId);
        Assert.Equal(0u, subscriptionId);
        Assert.Single(entries);
        Assert.Equal(frame, Write(1, [new("a/b", default)], default, ProtocolVersion.V500));
    }

    [Fact]
    public void A_wildcard_in_the_wrong_place_is_left_to_the_broker_to_answer_in_suback()
    {
        // "a/#/b" breaks [MQTT-4.7.1-1], but the answer is a SUBACK failure for that filter, not a closed connection.
        var frame = Hex.Bytes("82 0A 00 01 00 05 'a/#/b' 00"); // SUBSCRIBE, RL 10, id 1, "a/#/b" QoS 0
        Assert.Equal("a/#/b", Assert.Single(DecodeEntries(frame, ProtocolVersion.V311, out _, out _)).Filter);
    }

    [Fact]
    public void The_subscription_list_counts_its_entries_and_enumerates_them_in_wire_order()
    {
        var frame = Hex.Bytes("82 0E 00 05 00 01 'a' 00 00 01 'b' 01 00 01 'c' 02"); // SUBSCRIBE, RL 14, id 5, a/0 b/1 c/2
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(SubscribePacket.TryDecode(header, body, ProtocolVersion.V311, out var packet, out var violation), violation.ToString());
        Assert.Equal(3, packet.Subscriptions.Count);
        var names = new StringBuilder();
        foreach (var entry in packet.Subscriptions)
        {
            names.Append(Encoding.UTF8.GetString(entry.TopicFilter)).Append((byte)entry.Options.QoS);
        }

        Assert.Equal("a0b1c2", names.ToString());
    }

    // ---- Subscription Options ----

    [Fact]
    public void Every_options_byte_without_reserved_bits_QoS_3_or_Retain_Handling_3_survives_FromByte_and_ToByte()
    {
        for (int b = 0; b < 0x40; b++)
        {
            var options = SubscriptionOptions.FromByte((byte)b);
            bool valid = (b & 0x03) != 3 && (b & 0x30) != 0x30;
            Assert.Equal(valid, options.IsValid);
            Assert.Equal(b, options.ToByte());
        }
    }

    [Fact]
    public void Before_50_only_the_QoS_bits_of_the_options_are_written()
    {
        var options = new SubscriptionOptions(QualityOfService.ExactlyOnce, NoLocal: true, RetainAsPublished: true, RetainHandling.DoNotSend);
        Assert.Equal(0x2E, options.ToByte());
        Assert.Equal(0x2E, options.ToByte(ProtocolVersion.V500));
        Assert.Equal(0x02, options.ToByte(ProtocolVersion.V311));
        Assert.Equal(Hex.Bytes("82 06 00 01 00 01 'a' 02"), Write(1, [new("a", options)], default, ProtocolVersion.V311));
    }

    // ---- Writer contracts ----

    [Fact]
    public void The_writer_refuses_caller_bugs()
    {
        SubscriptionRequest[] one = [new("a", default)];
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(0, one, default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [new("", default)], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [new("a\0b", default)], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [new("a", new((QualityOfService)3))], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [new("a", new(QualityOfService.AtMostOnce, RetainHandling: (RetainHandling)3))], default, ProtocolVersion.V500));
        Assert.Throws<ArgumentException>(() => Write(1, [new("$share/g/a", new(QualityOfService.AtMostOnce, NoLocal: true))], default, ProtocolVersion.V500));
        Assert.Throws<ArgumentException>(() => Write(1, [new(new string('x', 65_536), default)], default, ProtocolVersion.V500));
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_destination_is_one_byte_short()
    {
        SubscriptionRequest[] requests = [new("sensors/+/temp", new(QualityOfService.AtLeastOnce)), new("é/€", default)];
        int size = SubscribePacket.GetSize(3, requests, default, ProtocolVersion.V500);
        var destination = new byte[size - 1];
        Assert.False(SubscribePacket.TryWrite(destination, 3, requests, default, ProtocolVersion.V500, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));

        destination = new byte[size];
        Assert.True(SubscribePacket.TryWrite(destination, 3, requests, default, ProtocolVersion.V500, out written));
        Assert.Equal(size, written);
        Assert.Equal(Write(3, requests, default, ProtocolVersion.V500), destination);
    }

    // ---- Round trips ----

    internal static readonly Gen<string> TopicFilter =
        Gen.OneOf(
            Gen.Char["ab/+#é€ $"].Array[1, 12].Select(chars => new string(chars)),
            Gen.Char["ab/+#"].Array[1, 6].Select(chars => "$share/g/" + new string(chars)));

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Any_subscribe_survives_a_round_trip(ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        var options = Gen.Select(Gen.Byte[0, 2], Gen.Bool, Gen.Bool, Gen.Byte[0, 2]);
        var entry = Gen.Select(TopicFilter, options);
        Gen.Select(Gen.UShort[1, ushort.MaxValue], entry.Array[1, 6], Gen.Int[0, VariableByteInteger.MaxValue]).Sample((id, entries, subscriptionId) =>
        {
            var requests = entries.Select(e =>
            {
                var (qos, noLocal, rap, rh) = e.Item2;
                var o = v5
                    ? new SubscriptionOptions((QualityOfService)qos, noLocal && !e.Item1.StartsWith("$share/", StringComparison.Ordinal), rap, (RetainHandling)rh)
                    : new SubscriptionOptions((QualityOfService)qos);
                return new SubscriptionRequest(e.Item1, o);
            }).ToArray();
            var props = new PropertyBuilder();
            if (subscriptionId > 0)
            {
                props.AddVariableByteInteger(PropertyId.SubscriptionIdentifier, subscriptionId);
            }

            var bytes = Write(id, requests, props.Span, version);
            Assert.Equal(SubscribePacket.GetSize(id, requests, props.Span, version), bytes.Length);
            var decoded = DecodeEntries(bytes, version, out ushort backId, out uint backSubscriptionId);
            Assert.Equal(id, backId);
            Assert.Equal(v5 ? (uint)subscriptionId : 0u, backSubscriptionId);
            Assert.Equal(requests.Select(r => (r.TopicFilter, r.Options)), decoded);
        }, iter: 300);
    }

    // ---- Helpers ----

    private static List<(string Filter, SubscriptionOptions Options)> DecodeEntries(byte[] frame, ProtocolVersion version, out ushort packetId, out uint subscriptionId)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(SubscribePacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        packetId = packet.PacketIdentifier;
        subscriptionId = packet.SubscriptionIdentifier;
        var list = new List<(string, SubscriptionOptions)>();
        foreach (var entry in packet.Subscriptions)
        {
            list.Add((Encoding.UTF8.GetString(entry.TopicFilter), entry.Options));
        }

        Assert.Equal(packet.Subscriptions.Count, list.Count);
        return list;
    }

    private static byte[] Write(ushort packetId, ReadOnlySpan<SubscriptionRequest> requests, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = SubscribePacket.Write(writer, packetId, requests, properties, version);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }
}
