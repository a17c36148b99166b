using System.Buffers;
using Tern.Protocol.Framing;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Framing;

public class FrameScannerTests
{
    [Fact]
    public void A_whole_pingreq_is_complete_with_a_two_byte_header()
    {
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes("C0 00")), 1024, out var header, out var violation);

        Assert.Equal(FrameStatus.Complete, status);
        Assert.True(violation.IsNone);
        Assert.Equal(PacketType.PingReq, header.Type);
        Assert.Equal(2, header.TotalLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("30 80")]
    [InlineData("30 80 80 80")]
    [InlineData("30 05 00 01 'a'")]
    public void A_frame_cut_short_needs_more_data(string hex)
    {
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes(hex)), 1 << 20, out _, out var violation);

        Assert.Equal(FrameStatus.NeedMoreData, status);
        Assert.True(violation.IsNone);
    }

    [Fact]
    public void A_frame_with_more_bytes_after_it_is_complete_and_reports_only_its_own_length()
    {
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes("C0 00 D0 00")), 1024, out var header, out _);

        Assert.Equal(FrameStatus.Complete, status);
        Assert.Equal(2, header.TotalLength);
    }

    [Theory]
    [InlineData("30 80 80 80 80 01")]
    [InlineData("10 FF FF FF FF 7F")]
    [InlineData("C0 80 80 80 80 00")]
    public void A_remaining_length_of_five_bytes_is_malformed_5_0_section_1_5_5(string hex)
    {
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes(hex)), int.MaxValue, out _, out var violation);

        Assert.Equal(FrameStatus.Invalid, status);
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
        Assert.Equal("5.0 §1.5.5, 3.1.1 §2.2.3", violation.Statement);
    }

    [Theory]
    [InlineData("30 80 00")]
    [InlineData("30 FF 80 00")]
    [InlineData("30 80 80 80 00")]
    public void A_remaining_length_not_in_its_minimal_encoding_is_malformed_MQTT_1_5_5_1(string hex)
    {
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes(hex)), int.MaxValue, out _, out var violation);

        Assert.Equal(FrameStatus.Invalid, status);
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
        Assert.Equal("5.0 MQTT-1.5.5-1", violation.Statement);
    }

    [Fact]
    public void A_declared_length_over_the_limit_is_refused_from_the_header_alone_before_any_body_arrives()
    {
        // 30 FF FF FF 7F declares 268,435,455 bytes (256 MB); nothing of the body is present (RELIABILITY C1).
        var status = FrameScanner.TryScan(new ReadOnlySequence<byte>(Hex.Bytes("30 FF FF FF 7F")), 1 << 20, out var header, out var violation);

        Assert.Equal(FrameStatus.Invalid, status);
        Assert.Equal(ReasonCode.PacketTooLarge, violation.ReasonCode);
        Assert.Equal(268_435_455, header.RemainingLength);
    }

    [Fact]
    public void A_packet_of_exactly_the_maximum_size_is_accepted_and_one_byte_more_is_too_large()
    {
        // Fixed header (2 bytes) + 8 bytes of body = 10 bytes in total.
        var frame = Hex.Bytes("30 08 00 01 'a' 'hello'");

        Assert.Equal(FrameStatus.Complete, FrameScanner.TryScan(new ReadOnlySequence<byte>(frame), 10, out _, out _));
        Assert.Equal(FrameStatus.Invalid, FrameScanner.TryScan(new ReadOnlySequence<byte>(frame), 9, out _, out var violation));
        Assert.Equal(ReasonCode.PacketTooLarge, violation.ReasonCode);
    }

    [Fact]
    public void A_header_split_across_segments_is_read_without_copying_the_body()
    {
        // 0x30, then remaining length 200 encoded as C8 01 split over two segments, then the body in a third.
        var body = new byte[200];
        var sequence = Segments.Of([0x30, 0xC8], [0x01], body);

        var status = FrameScanner.TryScan(sequence, 1 << 20, out var header, out _);

        Assert.Equal(FrameStatus.Complete, status);
        Assert.Equal(200, header.RemainingLength);
        Assert.Equal(3, header.HeaderLength);
    }

    [Fact]
    public void A_body_split_across_segments_needs_more_data_until_the_last_byte_arrives()
    {
        var partial = Segments.Of([0x30, 0x04], [0x00, 0x01], [0x61]);
        var whole = Segments.Of([0x30, 0x04], [0x00, 0x01], [0x61, 0x7A]);

        Assert.Equal(FrameStatus.NeedMoreData, FrameScanner.TryScan(partial, 1024, out _, out _));
        Assert.Equal(FrameStatus.Complete, FrameScanner.TryScan(whole, 1024, out _, out _));
    }
}
