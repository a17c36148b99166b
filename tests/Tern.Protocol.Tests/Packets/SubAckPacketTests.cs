using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class SubAckPacketTests
{
    // ---- Golden vectors ----

    [Fact]
    public void A_311_suback_grants_QoS_per_filter_and_may_report_failure_0x80_MQTT_3_9_3_2()
    {
        var frame = Hex.Bytes(
            "90 05" +          // SUBACK, remaining length 5
            " 00 0A" +         // packet identifier 10
            " 00 01 80");      // return codes: Granted QoS 0, Granted QoS 1, Failure
        var packet = Decode(frame, ProtocolVersion.V311);
        Assert.Equal(10, packet.PacketIdentifier);
        Assert.Equal([ReasonCode.Success, ReasonCode.GrantedQoS1, ReasonCode.UnspecifiedError], packet.ReasonCodes.ToArray());
        Assert.Equal(frame, Write(10, [ReasonCode.Success, ReasonCode.GrantedQoS1, ReasonCode.UnspecifiedError], default, ProtocolVersion.V311));
    }

    [Fact]
    public void A_31_suback_carries_granted_QoS_levels_only()
    {
        var frame = Hex.Bytes("90 04 00 0A 00 02"); // SUBACK, RL 4, id 10, granted QoS 0 and 2
        var packet = Decode(frame, ProtocolVersion.V310);
        Assert.Equal([ReasonCode.Success, ReasonCode.GrantedQoS2], packet.ReasonCodes.ToArray());
        Assert.Equal(frame, Write(10, [ReasonCode.Success, ReasonCode.GrantedQoS2], default, ProtocolVersion.V310));
        Assert.Throws<ArgumentException>(() => Write(10, [ReasonCode.UnspecifiedError], default, ProtocolVersion.V310));
    }

    [Fact]
    public void A_50_suback_has_properties_then_one_reason_code_per_filter()
    {
        var frame = Hex.Bytes(
            "90 0D" +                 // SUBACK, remaining length 13
            " 01 02" +                // packet identifier 0x0102
            " 05 1F 00 02 'ok'" +     // property length 5: Reason String "ok"
            " 01 02 00 8F A2");       // Granted QoS 1, Granted QoS 2, Granted QoS 0, Topic Filter invalid, Wildcard Subscriptions not supported
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal(0x0102, packet.PacketIdentifier);
        Assert.Equal("ok", packet.Properties.GetStringOrNull(PropertyId.ReasonString));
        ReasonCode[] codes = [ReasonCode.GrantedQoS1, ReasonCode.GrantedQoS2, ReasonCode.Success, ReasonCode.TopicFilterInvalid, ReasonCode.WildcardSubscriptionsNotSupported];
        Assert.Equal(codes, packet.ReasonCodes.ToArray());
        var props = new PropertyBuilder().AddString(PropertyId.ReasonString, "ok");
        Assert.Equal(frame, Write(0x0102, codes, props.Span, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_suback_without_properties_has_a_zero_property_length()
    {
        var frame = Hex.Bytes("90 04 00 0A 00 01"); // SUBACK, RL 4, id 10, property length 0, Granted QoS 1
        Assert.Equal([ReasonCode.GrantedQoS1], Decode(frame, ProtocolVersion.V500).ReasonCodes.ToArray());
        Assert.Equal(frame, Write(10, [ReasonCode.GrantedQoS1], default, ProtocolVersion.V500));
    }

    [Fact]
    public void IsAllowed_follows_each_version()
    {
        Assert.False(SubAckPacket.IsAllowed(ReasonCode.UnspecifiedError, ProtocolVersion.V310));
        Assert.True(SubAckPacket.IsAllowed(ReasonCode.UnspecifiedError, ProtocolVersion.V311));
        Assert.False(SubAckPacket.IsAllowed(ReasonCode.NotAuthorized, ProtocolVersion.V311));
        Assert.True(SubAckPacket.IsAllowed(ReasonCode.NotAuthorized, ProtocolVersion.V500));
        Assert.False(SubAckPacket.IsAllowed(ReasonCode.NoSubscriptionExisted, ProtocolVersion.V500));
    }

    // ---- Writer contracts ----

    [Fact]
    public void The_writer_refuses_caller_bugs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(0, [ReasonCode.Success], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [ReasonCode.NotAuthorized], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [ReasonCode.PacketIdentifierNotFound], default, ProtocolVersion.V500));
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_destination_is_one_byte_short()
    {
        ReasonCode[] codes = [ReasonCode.GrantedQoS1, ReasonCode.NotAuthorized];
        var packet = new SubAckPacket { PacketIdentifier = 4, ReasonCodes = codes };
        int size = SubAckPacket.GetSize(packet, ProtocolVersion.V500);
        var destination = new byte[size - 1];
        Assert.False(SubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
        destination = new byte[size];
        Assert.True(SubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out written));
        Assert.Equal(Hex.Bytes("90 05 00 04 00 01 87"), destination);
    }

    // ---- Round trips ----

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Any_suback_survives_a_round_trip(ProtocolVersion version)
    {
        var allowed = Enumerable.Range(0, 256).Select(b => (ReasonCode)b).Where(c => SubAckPacket.IsAllowed(c, version)).ToArray();
        Gen.Select(Gen.UShort[1, ushort.MaxValue], Gen.OneOfConst(allowed).Array[1, 20], Gen.Bool).Sample((id, codes, withReason) =>
        {
            var props = new PropertyBuilder();
            if (withReason)
            {
                props.AddString(PropertyId.ReasonString, "why").AddUserProperty("k", "v");
            }

            var bytes = Write(id, codes, props.Span, version);
            var packet = Decode(bytes, version);
            Assert.Equal(id, packet.PacketIdentifier);
            Assert.Equal(codes, packet.ReasonCodes.ToArray());
            Assert.Equal(version == ProtocolVersion.V500 ? props.Span : default, packet.Properties.Raw);
        }, iter: 300);
    }

    // ---- Helpers ----

    private static SubAckPacket Decode(byte[] frame, ProtocolVersion version)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(SubAckPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static byte[] Write(ushort packetId, ReadOnlySpan<ReasonCode> codes, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        var packet = new SubAckPacket { PacketIdentifier = packetId, ReasonCodes = codes, Properties = new MqttProperties(properties) };
        Assert.Equal(SubAckPacket.GetSize(packet, version), SubAckPacket.Write(writer, packet, version));
        return writer.WrittenSpan.ToArray();
    }
}
