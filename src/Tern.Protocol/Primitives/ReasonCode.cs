namespace Tern.Protocol;

/// <summary>
/// MQTT 5.0 Reason Codes (section 2.4 of 5.0). A value below 0x80 is a success, 0x80 and above a failure.
/// The same byte means different things in different packets (0x00 is Success, Normal disconnection and Granted QoS 0),
/// so the names here are the most common meaning; <see cref="ReasonCodes.GetName(ReasonCode, PacketType)"/> gives the name for a packet.
/// </summary>
public enum ReasonCode : byte
{
    /// <summary>0x00 Success; also Normal disconnection (DISCONNECT) and Granted QoS 0 (SUBACK).</summary>
    Success = 0x00,
    /// <summary>0x01 Granted QoS 1 (SUBACK).</summary>
    GrantedQoS1 = 0x01,
    /// <summary>0x02 Granted QoS 2 (SUBACK).</summary>
    GrantedQoS2 = 0x02,
    /// <summary>0x04 Disconnect with Will Message (DISCONNECT from a client).</summary>
    DisconnectWithWillMessage = 0x04,
    /// <summary>0x10 No matching subscribers (PUBACK, PUBREC).</summary>
    NoMatchingSubscribers = 0x10,
    /// <summary>0x11 No subscription existed (UNSUBACK).</summary>
    NoSubscriptionExisted = 0x11,
    /// <summary>0x18 Continue authentication (AUTH).</summary>
    ContinueAuthentication = 0x18,
    /// <summary>0x19 Re-authenticate (AUTH).</summary>
    ReAuthenticate = 0x19,
    /// <summary>0x80 Unspecified error.</summary>
    UnspecifiedError = 0x80,
    /// <summary>0x81 Malformed Packet: the packet could not be parsed according to the specification.</summary>
    MalformedPacket = 0x81,
    /// <summary>0x82 Protocol Error: the packet parsed but breaks a rule of the protocol.</summary>
    ProtocolError = 0x82,
    /// <summary>0x83 Implementation specific error.</summary>
    ImplementationSpecificError = 0x83,
    /// <summary>0x84 Unsupported Protocol Version (CONNACK).</summary>
    UnsupportedProtocolVersion = 0x84,
    /// <summary>0x85 Client Identifier not valid (CONNACK).</summary>
    ClientIdentifierNotValid = 0x85,
    /// <summary>0x86 Bad User Name or Password (CONNACK).</summary>
    BadUserNameOrPassword = 0x86,
    /// <summary>0x87 Not authorized.</summary>
    NotAuthorized = 0x87,
    /// <summary>0x88 Server unavailable (CONNACK).</summary>
    ServerUnavailable = 0x88,
    /// <summary>0x89 Server busy.</summary>
    ServerBusy = 0x89,
    /// <summary>0x8A Banned (CONNACK).</summary>
    Banned = 0x8A,
    /// <summary>0x8B Server shutting down (DISCONNECT).</summary>
    ServerShuttingDown = 0x8B,
    /// <summary>0x8C Bad authentication method.</summary>
    BadAuthenticationMethod = 0x8C,
    /// <summary>0x8D Keep Alive timeout (DISCONNECT).</summary>
    KeepAliveTimeout = 0x8D,
    /// <summary>0x8E Session taken over (DISCONNECT).</summary>
    SessionTakenOver = 0x8E,
    /// <summary>0x8F Topic Filter invalid.</summary>
    TopicFilterInvalid = 0x8F,
    /// <summary>0x90 Topic Name invalid.</summary>
    TopicNameInvalid = 0x90,
    /// <summary>0x91 Packet Identifier in use.</summary>
    PacketIdentifierInUse = 0x91,
    /// <summary>0x92 Packet Identifier not found.</summary>
    PacketIdentifierNotFound = 0x92,
    /// <summary>0x93 Receive Maximum exceeded (DISCONNECT).</summary>
    ReceiveMaximumExceeded = 0x93,
    /// <summary>0x94 Topic Alias invalid (DISCONNECT).</summary>
    TopicAliasInvalid = 0x94,
    /// <summary>0x95 Packet too large.</summary>
    PacketTooLarge = 0x95,
    /// <summary>0x96 Message rate too high (DISCONNECT).</summary>
    MessageRateTooHigh = 0x96,
    /// <summary>0x97 Quota exceeded.</summary>
    QuotaExceeded = 0x97,
    /// <summary>0x98 Administrative action (DISCONNECT).</summary>
    AdministrativeAction = 0x98,
    /// <summary>0x99 Payload format invalid.</summary>
    PayloadFormatInvalid = 0x99,
    /// <summary>0x9A Retain not supported.</summary>
    RetainNotSupported = 0x9A,
    /// <summary>0x9B QoS not supported.</summary>
    QoSNotSupported = 0x9B,
    /// <summary>0x9C Use another server.</summary>
    UseAnotherServer = 0x9C,
    /// <summary>0x9D Server moved.</summary>
    ServerMoved = 0x9D,
    /// <summary>0x9E Shared Subscriptions not supported.</summary>
    SharedSubscriptionsNotSupported = 0x9E,
    /// <summary>0x9F Connection rate exceeded.</summary>
    ConnectionRateExceeded = 0x9F,
    /// <summary>0xA0 Maximum connect time (DISCONNECT).</summary>
    MaximumConnectTime = 0xA0,
    /// <summary>0xA1 Subscription Identifiers not supported.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,
    /// <summary>0xA2 Wildcard Subscriptions not supported.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}
