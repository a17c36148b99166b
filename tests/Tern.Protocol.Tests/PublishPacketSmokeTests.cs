using System.Buffers;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests;

public class PublishPacketSmokeTests
{
    [Fact]
    public void A_qos1_publish_written_for_311_reads_back_the_same_fields()
    {
        var writer = new ArrayBufferWriter<byte>();
        PublishPacket.Write(writer, ProtocolVersion.V311, new PublishHeader(QualityOfService.AtLeastOnce, Retain: true, PacketIdentifier: 10), "a/b"u8, default, "hi"u8);
        Assert.Equal(Hex.Bytes("33 09 00 03 'a/b' 00 0A 'hi'"), writer.WrittenSpan.ToArray());

        var body = Hex.SplitFrame(writer.WrittenSpan.ToArray(), out var header);
        Assert.True(PublishPacket.TryDecode(header, body, ProtocolVersion.V311, out var packet, out var violation), violation.ToString());
        Assert.Equal(QualityOfService.AtLeastOnce, packet.QoS);
        Assert.True(packet.Retain);
        Assert.Equal("a/b"u8, packet.TopicName);
        Assert.Equal(10, packet.PacketIdentifier);
        Assert.Equal("hi"u8, packet.Payload);
    }
}
