using System.Buffers;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class PingPacketTests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void PINGREQ_and_PINGRESP_are_a_fixed_header_with_remaining_length_0(ProtocolVersion version)
    {
        foreach (var hex in new[] { "C0 00", "D0 00" }) // PINGREQ / PINGRESP: type, flags 0000, remaining length 0
        {
            var body = Hex.SplitFrame(Hex.Bytes(hex), out var header);
            Assert.True(PingPacket.TryDecode(header, body, version, out var violation), violation.ToString());
        }
    }

    [Fact]
    public void The_writers_produce_the_two_constant_packets()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(PingPacket.Size, PingPacket.WriteRequest(writer));
        Assert.Equal(PingPacket.Size, PingPacket.WriteResponse(writer));
        Assert.Equal(Hex.Bytes("C0 00 D0 00"), writer.WrittenSpan.ToArray());
        Assert.Equal(Hex.Bytes("C0 00"), PingPacket.Request.ToArray());
        Assert.Equal(Hex.Bytes("D0 00"), PingPacket.Response.ToArray());

        var destination = new byte[2];
        Assert.True(PingPacket.TryWriteResponse(destination, out int written));
        Assert.Equal(2, written);
        Assert.Equal(Hex.Bytes("D0 00"), destination);
        Assert.True(PingPacket.TryWriteRequest(destination, out _));
        Assert.Equal(Hex.Bytes("C0 00"), destination);
    }

    [Fact]
    public void TryWrite_writes_nothing_into_a_one_byte_destination()
    {
        var destination = new byte[1];
        Assert.False(PingPacket.TryWriteRequest(destination, out int written));
        Assert.Equal(0, written);
        Assert.Equal(0, destination[0]);
    }

    [Fact]
    public void A_decoder_handed_another_packet_type_refuses_it_without_throwing()
    {
        var body = Hex.SplitFrame(Hex.Bytes("E0 00"), out var header); // DISCONNECT
        Assert.False(PingPacket.TryDecode(header, body, ProtocolVersion.V311, out var violation));
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
    }
}
