using System.Buffers;
using System.Text;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class UnsubscribePacketTests
{
    // ---- Golden vectors ----

    [Fact]
    public void A_311_unsubscribe_lists_topic_filters_packed_contiguously()
    {
        var frame = Hex.Bytes(
            "A2 0C" +            // UNSUBSCRIBE, flags 0010, remaining length 12
            " 00 0B" +           // packet identifier 11
            " 00 03 'a/b'" +     // Topic Filter "a/b"
            " 00 03 'c/#'");     // Topic Filter "c/#"
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            Assert.Equal(["a/b", "c/#"], DecodeFilters(frame, version, out ushort packetId, out _));
            Assert.Equal(11, packetId);
            Assert.Equal(frame, Write(11, ["a/b", "c/#"], default, version));
        }
    }

    [Fact]
    public void A_50_unsubscribe_has_a_property_block_before_the_filters()
    {
        var frame = Hex.Bytes(
            "A2 0F" +                         // UNSUBSCRIBE, flags 0010, remaining length 15
            " 00 0B" +                        // packet identifier 11
            " 07 26 00 01 'k' 00 01 'v'" +    // property length 7: User Property k=v
            " 00 03 'a/b'");                  // Topic Filter "a/b"
        Assert.Equal(["a/b"], DecodeFilters(frame, ProtocolVersion.V500, out _, out int userProperties));
        Assert.Equal(1, userProperties);
        var props = new PropertyBuilder().AddUserProperty("k", "v");
        Assert.Equal(frame, Write(11, ["a/b"], props.Span, ProtocolVersion.V500));
    }

    [Fact]
    public void The_writer_refuses_caller_bugs()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(0, ["a"], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, [""], default, ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(1, ["a\0"], default, ProtocolVersion.V500));
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_destination_is_one_byte_short()
    {
        string[] filters = ["a/+", "é/#"];
        int size = UnsubscribePacket.GetSize(2, filters, default, ProtocolVersion.V311);
        var destination = new byte[size - 1];
        Assert.False(UnsubscribePacket.TryWrite(destination, 2, filters, default, ProtocolVersion.V311, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
        destination = new byte[size];
        Assert.True(UnsubscribePacket.TryWrite(destination, 2, filters, default, ProtocolVersion.V311, out written));
        Assert.Equal(Write(2, filters, default, ProtocolVersion.V311), destination);
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Any_unsubscribe_survives_a_round_trip(ProtocolVersion version)
    {
        Gen.Select(Gen.UShort[1, ushort.MaxValue], SubscribePacketTests.TopicFilter.Array[1, 8], Gen.Int[0, 2]).Sample((id, filters, userProperties) =>
        {
            var props = new PropertyBuilder();
            for (int i = 0; i < userProperties; i++)
            {
                props.AddUserProperty("u", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var bytes = Write(id, filters, props.Span, version);
            Assert.Equal(UnsubscribePacket.GetSize(id, filters, props.Span, version), bytes.Length);
            Assert.Equal(filters, DecodeFilters(bytes, version, out ushort backId, out int backUserProperties));
            Assert.Equal(id, backId);
            Assert.Equal(version == ProtocolVersion.V500 ? userProperties : 0, backUserProperties);
        }, iter: 300);
    }

    private static List<string> DecodeFilters(byte[] frame, ProtocolVersion version, out ushort packetId, out int userProperties)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(UnsubscribePacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        packetId = packet.PacketIdentifier;
        userProperties = packet.Properties.Count(PropertyId.UserProperty);
        var filters = new List<string>();
        foreach (var filter in packet.TopicFilters)
        {
            filters.Add(Encoding.UTF8.GetString(filter));
        }

        Assert.Equal(packet.TopicFilters.Count, filters.Count);
        return filters;
    }

    private static byte[] Write(ushort packetId, ReadOnlySpan<string> filters, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(UnsubscribePacket.GetSize(packetId, filters, properties, version), UnsubscribePacket.Write(writer, packetId, filters, properties, version));
        return writer.WrittenSpan.ToArray();
    }
}
