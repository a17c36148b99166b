using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class ConnectPacketRoundTripTests
{
    [Fact]
    public void Every_connect_a_client_may_send_reads_back_the_same_fields_in_every_version()
    {
        ConnectModel.Generator.Sample(model =>
        {
            var frame = ConnectPacketTests.Encode(model.ToPacket());
            var body = Hex.SplitFrame(frame, out var header);

            Assert.True(ConnectPacket.TryDecode(header, body, out var packet, out var violation), violation.ToString());
            Assert.Equal(model.Version, packet.ProtocolVersion);
            Assert.Equal(model.Version == ProtocolVersion.V310 ? "MQIsdp"u8 : "MQTT"u8, packet.ProtocolName);
            Assert.Equal(model.CleanSession, packet.CleanSession);
            Assert.Equal(model.KeepAlive, packet.KeepAlive);
            Assert.Equal(model.Properties, packet.Properties.Raw.ToArray());
            Assert.Equal(model.ClientIdentifier, packet.ClientIdentifier.ToArray());
            Assert.Equal(model.HasWill, packet.HasWill);
            Assert.Equal(model.WillQoS, packet.WillQoS);
            Assert.Equal(model.WillRetain, packet.WillRetain);
            Assert.Equal(model.WillProperties, packet.WillProperties.Raw.ToArray());
            Assert.Equal(model.WillTopic, packet.WillTopic.ToArray());
            Assert.Equal(model.WillPayload, packet.WillPayload.ToArray());
            Assert.Equal(model.HasUserName, packet.HasUserName);
            Assert.Equal(model.UserName, packet.UserName.ToArray());
            Assert.Equal(model.HasPassword, packet.HasPassword);
            Assert.Equal(model.Password, packet.Password.ToArray());
        }, iter: 2_000);
    }

    [Fact]
    public void TryWrite_writes_the_same_bytes_as_Write_and_nothing_into_a_span_one_byte_short()
    {
        ConnectModel.Generator.Sample(model =>
        {
            var expected = ConnectPacketTests.Encode(model.ToPacket());

            var exact = new byte[expected.Length];
            Assert.True(ConnectPacket.TryWrite(exact, model.ToPacket(), out int written));
            Assert.Equal(expected.Length, written);
            Assert.Equal(expected, exact);

            var small = new byte[expected.Length - 1];
            Assert.False(ConnectPacket.TryWrite(small, model.ToPacket(), out written));
            Assert.Equal(0, written);
            Assert.All(small, b => Assert.Equal(0, b));
        }, iter: 500);
    }

    [Fact]
    public void Every_truncation_of_a_generated_connect_is_malformed()
    {
        ConnectModel.Generator.Sample(model =>
        {
            var body = Hex.SplitFrame(ConnectPacketTests.Encode(model.ToPacket()), out var header);
            for (int length = 0; length < body.Length; length++)
            {
                Assert.False(ConnectPacket.TryDecode(header with { RemainingLength = length }, body.AsSpan(0, length), out _, out var violation));
                Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
            }
        }, iter: 200);
    }
}
