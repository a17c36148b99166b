namespace Tern.Protocol.Properties;

/// <summary>Table 2-4 of MQTT 5.0: each property's data type and the packets it may appear in.</summary>
public static class PropertyDefinitions
{
    private const PropertyContext PublishAndWill = PropertyContext.Publish | PropertyContext.Will;
    private const PropertyContext Acks = PropertyContext.PubAck | PropertyContext.PubRec | PropertyContext.PubRel | PropertyContext.PubComp;

    /// <summary>The data type of a property, or <see cref="PropertyType.None"/> for an identifier the specification does not define.</summary>
    public static PropertyType GetType(PropertyId id) => id switch
    {
        PropertyId.PayloadFormatIndicator or PropertyId.RequestProblemInformation or PropertyId.RequestResponseInformation
            or PropertyId.MaximumQoS or PropertyId.RetainAvailable or PropertyId.WildcardSubscriptionAvailable
            or PropertyId.SubscriptionIdentifierAvailable or PropertyId.SharedSubscriptionAvailable => PropertyType.Byte,
        PropertyId.ServerKeepAlive or PropertyId.ReceiveMaximum or PropertyId.TopicAliasMaximum or PropertyId.TopicAlias => PropertyType.TwoByteInteger,
        PropertyId.MessageExpiryInterval or PropertyId.SessionExpiryInterval or PropertyId.WillDelayInterval
            or PropertyId.MaximumPacketSize => PropertyType.FourByteInteger,
        PropertyId.SubscriptionIdentifier => PropertyType.VariableByteInteger,
        PropertyId.ContentType or PropertyId.ResponseTopic or PropertyId.AssignedClientIdentifier or PropertyId.AuthenticationMethod
            or PropertyId.ResponseInformation or PropertyId.ServerReference or PropertyId.ReasonString => PropertyType.Utf8String,
        PropertyId.CorrelationData or PropertyId.AuthenticationData => PropertyType.BinaryData,
        PropertyId.UserProperty => PropertyType.Utf8StringPair,
        _ => PropertyType.None,
    };

    /// <summary>Where a property may appear.</summary>
    public static PropertyContext GetAllowedContexts(PropertyId id) => id switch
    {
        PropertyId.PayloadFormatIndicator or PropertyId.MessageExpiryInterval or PropertyId.ContentType
            or PropertyId.ResponseTopic or PropertyId.CorrelationData => PublishAndWill,
        PropertyId.SubscriptionIdentifier => PropertyContext.Publish | PropertyContext.Subscribe,
        PropertyId.SessionExpiryInterval => PropertyContext.Connect | PropertyContext.ConnAck | PropertyContext.Disconnect,
        PropertyId.AssignedClientIdentifier or PropertyId.ServerKeepAlive or PropertyId.ResponseInformation
            or PropertyId.MaximumQoS or PropertyId.RetainAvailable or PropertyId.WildcardSubscriptionAvailable
            or PropertyId.SubscriptionIdentifierAvailable or PropertyId.SharedSubscriptionAvailable => PropertyContext.ConnAck,
        PropertyId.AuthenticationMethod or PropertyId.AuthenticationData => PropertyContext.Connect | PropertyContext.ConnAck | PropertyContext.Auth,
        PropertyId.RequestProblemInformation or PropertyId.RequestResponseInformation => PropertyContext.Connect,
        PropertyId.WillDelayInterval => PropertyContext.Will,
        PropertyId.ServerReference => PropertyContext.ConnAck | PropertyContext.Disconnect,
        PropertyId.ReasonString => PropertyContext.ConnAck | Acks | PropertyContext.SubAck | PropertyContext.UnsubAck
            | PropertyContext.Disconnect | PropertyContext.Auth,
        PropertyId.ReceiveMaximum or PropertyId.TopicAliasMaximum or PropertyId.MaximumPacketSize => PropertyContext.Connect | PropertyContext.ConnAck,
        PropertyId.TopicAlias => PropertyContext.Publish,
        PropertyId.UserProperty => (PropertyContext)0x3FFF,
        _ => PropertyContext.None,
    };

    /// <summary>
    /// Whether a property may appear more than once in a context: User Property everywhere, Subscription Identifier in
    /// PUBLISH (one per matching subscription, 5.0 §3.3.2.3.8). Any other property twice is a Protocol Error.
    /// </summary>
    public static bool MayRepeat(PropertyId id, PropertyContext context) =>
        id == PropertyId.UserProperty || (id == PropertyId.SubscriptionIdentifier && context == PropertyContext.Publish);

    /// <summary>The property context of a packet type (PUBACK, PUBREC, ... each have their own).</summary>
    public static PropertyContext ContextOf(PacketType type) => type switch
    {
        PacketType.Connect => PropertyContext.Connect,
        PacketType.ConnAck => PropertyContext.ConnAck,
        PacketType.Publish => PropertyContext.Publish,
        PacketType.PubAck => PropertyContext.PubAck,
        PacketType.PubRec => PropertyContext.PubRec,
        PacketType.PubRel => PropertyContext.PubRel,
        PacketType.PubComp => PropertyContext.PubComp,
        PacketType.Subscribe => PropertyContext.Subscribe,
        PacketType.SubAck => PropertyContext.SubAck,
        PacketType.Unsubscribe => PropertyContext.Unsubscribe,
        PacketType.UnsubAck => PropertyContext.UnsubAck,
        PacketType.Disconnect => PropertyContext.Disconnect,
        PacketType.Auth => PropertyContext.Auth,
        _ => PropertyContext.None,
    };
}
