namespace Tern.Protocol;

/// <summary>Names of reason codes and the packets each may appear in (Table 2-6 of MQTT 5.0).</summary>
public static class ReasonCodes
{
    // Which packets may carry each reason code, as a bit per PacketType (bit n = PacketType n).
    private const ushort ConnAck = 1 << (int)PacketType.ConnAck;
    private const ushort PubAck = 1 << (int)PacketType.PubAck;
    private const ushort PubRec = 1 << (int)PacketType.PubRec;
    private const ushort PubRel = 1 << (int)PacketType.PubRel;
    private const ushort PubComp = 1 << (int)PacketType.PubComp;
    private const ushort SubAck = 1 << (int)PacketType.SubAck;
    private const ushort UnsubAck = 1 << (int)PacketType.UnsubAck;
    private const ushort Disconnect = 1 << (int)PacketType.Disconnect;
    private const ushort Auth = 1 << (int)PacketType.Auth;

    private static ushort AllowedIn(ReasonCode code) => code switch
    {
        ReasonCode.Success => ConnAck | PubAck | PubRec | PubRel | PubComp | SubAck | UnsubAck | Disconnect | Auth,
        ReasonCode.GrantedQoS1 or ReasonCode.GrantedQoS2 => SubAck,
        ReasonCode.DisconnectWithWillMessage => Disconnect,
        ReasonCode.NoMatchingSubscribers => PubAck | PubRec,
        ReasonCode.NoSubscriptionExisted => UnsubAck,
        ReasonCode.ContinueAuthentication or ReasonCode.ReAuthenticate => Auth,
        ReasonCode.UnspecifiedError => ConnAck | PubAck | PubRec | SubAck | UnsubAck | Disconnect,
        ReasonCode.MalformedPacket or ReasonCode.ProtocolError => ConnAck | Disconnect,
        ReasonCode.ImplementationSpecificError => ConnAck | PubAck | PubRec | SubAck | UnsubAck | Disconnect,
        ReasonCode.UnsupportedProtocolVersion or ReasonCode.ClientIdentifierNotValid or ReasonCode.BadUserNameOrPassword => ConnAck,
        ReasonCode.NotAuthorized => ConnAck | PubAck | PubRec | SubAck | UnsubAck | Disconnect,
        ReasonCode.ServerUnavailable => ConnAck,
        ReasonCode.ServerBusy => ConnAck | Disconnect,
        ReasonCode.Banned => ConnAck,
        ReasonCode.ServerShuttingDown => Disconnect,
        ReasonCode.BadAuthenticationMethod => ConnAck | Disconnect,
        ReasonCode.KeepAliveTimeout or ReasonCode.SessionTakenOver => Disconnect,
        ReasonCode.TopicFilterInvalid => SubAck | UnsubAck | Disconnect,
        ReasonCode.TopicNameInvalid => ConnAck | PubAck | PubRec | Disconnect,
        ReasonCode.PacketIdentifierInUse => PubAck | PubRec | SubAck | UnsubAck,
        ReasonCode.PacketIdentifierNotFound => PubRel | PubComp,
        ReasonCode.ReceiveMaximumExceeded or ReasonCode.TopicAliasInvalid => Disconnect,
        ReasonCode.PacketTooLarge => ConnAck | Disconnect,
        ReasonCode.MessageRateTooHigh => Disconnect,
        ReasonCode.QuotaExceeded => ConnAck | PubAck | PubRec | SubAck | Disconnect,
        ReasonCode.AdministrativeAction => Disconnect,
        ReasonCode.PayloadFormatInvalid => ConnAck | PubAck | PubRec | Disconnect,
        ReasonCode.RetainNotSupported or ReasonCode.QoSNotSupported or ReasonCode.UseAnotherServer
            or ReasonCode.ServerMoved => ConnAck | Disconnect,
        ReasonCode.SharedSubscriptionsNotSupported => SubAck | Disconnect,
        ReasonCode.ConnectionRateExceeded => ConnAck | Disconnect,
        ReasonCode.MaximumConnectTime => Disconnect,
        ReasonCode.SubscriptionIdentifiersNotSupported or ReasonCode.WildcardSubscriptionsNotSupported => SubAck | Disconnect,
        _ => 0,
    };

    /// <summary>Whether <paramref name="code"/> is one of the reason codes that <paramref name="packet"/> may carry in MQTT 5.0.</summary>
    public static bool IsAllowedIn(ReasonCode code, PacketType packet) => (AllowedIn(code) & (1 << (int)packet)) != 0;

    /// <summary>Whether the byte is a reason code defined by MQTT 5.0 at all.</summary>
    public static bool IsDefined(ReasonCode code) => AllowedIn(code) != 0;

    /// <summary>True for 0x80 and above: the operation failed.</summary>
    public static bool IsFailure(ReasonCode code) => (byte)code >= 0x80;

    /// <summary>The specification's name of a reason code, as used in <paramref name="packet"/>.</summary>
    public static string GetName(ReasonCode code, PacketType packet = PacketType.Reserved) => code switch
    {
        ReasonCode.Success when packet == PacketType.Disconnect => "Normal disconnection",
        ReasonCode.Success when packet == PacketType.SubAck => "Granted QoS 0",
        ReasonCode.Success => "Success",
        ReasonCode.GrantedQoS1 => "Granted QoS 1",
        ReasonCode.GrantedQoS2 => "Granted QoS 2",
        ReasonCode.DisconnectWithWillMessage => "Disconnect with Will Message",
        ReasonCode.NoMatchingSubscribers => "No matching subscribers",
        ReasonCode.NoSubscriptionExisted => "No subscription existed",
        ReasonCode.ContinueAuthentication => "Continue authentication",
        ReasonCode.ReAuthenticate => "Re-authenticate",
        ReasonCode.UnspecifiedError => "Unspecified error",
        ReasonCode.MalformedPacket => "Malformed Packet",
        ReasonCode.ProtocolError => "Protocol Error",
        ReasonCode.ImplementationSpecificError => "Implementation specific error",
        ReasonCode.UnsupportedProtocolVersion => "Unsupported Protocol Version",
        ReasonCode.ClientIdentifierNotValid => "Client Identifier not valid",
        ReasonCode.BadUserNameOrPassword => "Bad User Name or Password",
        ReasonCode.NotAuthorized => "Not authorized",
        ReasonCode.ServerUnavailable => "Server unavailable",
        ReasonCode.ServerBusy => "Server busy",
        ReasonCode.Banned => "Banned",
        ReasonCode.ServerShuttingDown => "Server shutting down",
        ReasonCode.BadAuthenticationMethod => "Bad authentication method",
        ReasonCode.KeepAliveTimeout => "Keep Alive timeout",
        ReasonCode.SessionTakenOver => "Session taken over",
        ReasonCode.TopicFilterInvalid => "Topic Filter invalid",
        ReasonCode.TopicNameInvalid => "Topic Name invalid",
        ReasonCode.PacketIdentifierInUse => "Packet Identifier in use",
        ReasonCode.PacketIdentifierNotFound => "Packet Identifier not found",
        ReasonCode.ReceiveMaximumExceeded => "Receive Maximum exceeded",
        ReasonCode.TopicAliasInvalid => "Topic Alias invalid",
        ReasonCode.PacketTooLarge => "Packet too large",
        ReasonCode.MessageRateTooHigh => "Message rate too high",
        ReasonCode.QuotaExceeded => "Quota exceeded",
        ReasonCode.AdministrativeAction => "Administrative action",
        ReasonCode.PayloadFormatInvalid => "Payload format invalid",
        ReasonCode.RetainNotSupported => "Retain not supported",
        ReasonCode.QoSNotSupported => "QoS not supported",
        ReasonCode.UseAnotherServer => "Use another server",
        ReasonCode.ServerMoved => "Server moved",
        ReasonCode.SharedSubscriptionsNotSupported => "Shared Subscriptions not supported",
        ReasonCode.ConnectionRateExceeded => "Connection rate exceeded",
        ReasonCode.MaximumConnectTime => "Maximum connect time",
        ReasonCode.SubscriptionIdentifiersNotSupported => "Subscription Identifiers not supported",
        ReasonCode.WildcardSubscriptionsNotSupported => "Wildcard Subscriptions not supported",
        _ => "Unknown reason code",
    };

    /// <summary>
    /// The MQTT 3.1.1 CONNACK return code closest to a 5.0 CONNACK reason code, for refusing a 3.1 / 3.1.1 client
    /// (0x84 → 0x01, 0x85 → 0x02, 0x88/0x89 → 0x03, 0x86 → 0x04, 0x87/0x8A → 0x05). Null where 3.1.1 has no return code
    /// and the connection is simply closed (malformed packet, protocol error).
    /// </summary>
    public static ConnectReturnCode? ToConnectReturnCode(ReasonCode code) => code switch
    {
        ReasonCode.Success => ConnectReturnCode.Accepted,
        ReasonCode.UnsupportedProtocolVersion => ConnectReturnCode.UnacceptableProtocolVersion,
        ReasonCode.ClientIdentifierNotValid => ConnectReturnCode.IdentifierRejected,
        ReasonCode.ServerUnavailable or ReasonCode.ServerBusy => ConnectReturnCode.ServerUnavailable,
        ReasonCode.BadUserNameOrPassword => ConnectReturnCode.BadUserNameOrPassword,
        ReasonCode.NotAuthorized or ReasonCode.Banned => ConnectReturnCode.NotAuthorized,
        _ => null,
    };
}
