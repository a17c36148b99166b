namespace Tern.Protocol.Tests.Primitives;

public class ReasonCodesTests
{
    [Theory]
    [InlineData(ReasonCode.Success, PacketType.Disconnect, "Normal disconnection")]
    [InlineData(ReasonCode.Success, PacketType.SubAck, "Granted QoS 0")]
    [InlineData(ReasonCode.Success, PacketType.PubAck, "Success")]
    [InlineData(ReasonCode.MalformedPacket, PacketType.Disconnect, "Malformed Packet")]
    [InlineData(ReasonCode.SessionTakenOver, PacketType.Disconnect, "Session taken over")]
    [InlineData(ReasonCode.WildcardSubscriptionsNotSupported, PacketType.SubAck, "Wildcard Subscriptions not supported")]
    public void Reason_codes_have_the_names_of_table_2_6(ReasonCode code, PacketType packet, string name)
    {
        Assert.Equal(name, ReasonCodes.GetName(code, packet));
    }

    [Theory]
    [InlineData(ReasonCode.NoMatchingSubscribers, PacketType.PubAck, true)]
    [InlineData(ReasonCode.NoMatchingSubscribers, PacketType.PubComp, false)]
    [InlineData(ReasonCode.PacketIdentifierNotFound, PacketType.PubRel, true)]
    [InlineData(ReasonCode.PacketIdentifierNotFound, PacketType.PubAck, false)]
    [InlineData(ReasonCode.DisconnectWithWillMessage, PacketType.Disconnect, true)]
    [InlineData(ReasonCode.DisconnectWithWillMessage, PacketType.ConnAck, false)]
    [InlineData(ReasonCode.GrantedQoS2, PacketType.SubAck, true)]
    [InlineData(ReasonCode.ContinueAuthentication, PacketType.Auth, true)]
    [InlineData(ReasonCode.ContinueAuthentication, PacketType.ConnAck, false)]
    [InlineData(ReasonCode.Banned, PacketType.ConnAck, true)]
    [InlineData(ReasonCode.Banned, PacketType.Disconnect, false)]
    public void Each_reason_code_is_allowed_only_in_the_packets_table_2_6_lists(ReasonCode code, PacketType packet, bool allowed)
    {
        Assert.Equal(allowed, ReasonCodes.IsAllowedIn(code, packet));
    }

    [Fact]
    public void Exactly_the_43_reason_codes_of_table_2_6_are_defined()
    {
        int defined = Enumerable.Range(0, 256).Count(b => ReasonCodes.IsDefined((ReasonCode)b));
        Assert.Equal(Enum.GetValues<ReasonCode>().Length, defined);
        Assert.False(ReasonCodes.IsDefined((ReasonCode)0x03));
        Assert.False(ReasonCodes.IsDefined((ReasonCode)0xA3));
    }

    [Theory]
    [InlineData(ReasonCode.UnsupportedProtocolVersion, ConnectReturnCode.UnacceptableProtocolVersion)]
    [InlineData(ReasonCode.ClientIdentifierNotValid, ConnectReturnCode.IdentifierRejected)]
    [InlineData(ReasonCode.ServerUnavailable, ConnectReturnCode.ServerUnavailable)]
    [InlineData(ReasonCode.BadUserNameOrPassword, ConnectReturnCode.BadUserNameOrPassword)]
    [InlineData(ReasonCode.NotAuthorized, ConnectReturnCode.NotAuthorized)]
    public void Connect_refusals_map_to_the_311_return_codes(ReasonCode code, ConnectReturnCode expected)
    {
        Assert.Equal(expected, ReasonCodes.ToConnectReturnCode(code));
    }

    [Fact]
    public void A_malformed_connect_has_no_311_return_code_and_the_connection_is_just_closed()
    {
        Assert.Null(ReasonCodes.ToConnectReturnCode(ReasonCode.MalformedPacket));
    }
}
