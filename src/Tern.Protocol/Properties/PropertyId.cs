namespace Tern.Protocol.Properties;

/// <summary>MQTT 5.0 property identifiers (Table 2-4 of 5.0). The values are the wire values.</summary>
public enum PropertyId : byte
{
    /// <summary>0x01 Payload Format Indicator (Byte): 0 unspecified bytes, 1 UTF-8 character data.</summary>
    PayloadFormatIndicator = 0x01,
    /// <summary>0x02 Message Expiry Interval (Four Byte Integer), seconds.</summary>
    MessageExpiryInterval = 0x02,
    /// <summary>0x03 Content Type (UTF-8 Encoded String).</summary>
    ContentType = 0x03,
    /// <summary>0x08 Response Topic (UTF-8 Encoded String, a Topic Name).</summary>
    ResponseTopic = 0x08,
    /// <summary>0x09 Correlation Data (Binary Data).</summary>
    CorrelationData = 0x09,
    /// <summary>0x0B Subscription Identifier (Variable Byte Integer, 1 to 268,435,455).</summary>
    SubscriptionIdentifier = 0x0B,
    /// <summary>0x11 Session Expiry Interval (Four Byte Integer), seconds.</summary>
    SessionExpiryInterval = 0x11,
    /// <summary>0x12 Assigned Client Identifier (UTF-8 Encoded String).</summary>
    AssignedClientIdentifier = 0x12,
    /// <summary>0x13 Server Keep Alive (Two Byte Integer), seconds.</summary>
    ServerKeepAlive = 0x13,
    /// <summary>0x15 Authentication Method (UTF-8 Encoded String).</summary>
    AuthenticationMethod = 0x15,
    /// <summary>0x16 Authentication Data (Binary Data).</summary>
    AuthenticationData = 0x16,
    /// <summary>0x17 Request Problem Information (Byte, 0 or 1).</summary>
    RequestProblemInformation = 0x17,
    /// <summary>0x18 Will Delay Interval (Four Byte Integer), seconds.</summary>
    WillDelayInterval = 0x18,
    /// <summary>0x19 Request Response Information (Byte, 0 or 1).</summary>
    RequestResponseInformation = 0x19,
    /// <summary>0x1A Response Information (UTF-8 Encoded String).</summary>
    ResponseInformation = 0x1A,
    /// <summary>0x1C Server Reference (UTF-8 Encoded String).</summary>
    ServerReference = 0x1C,
    /// <summary>0x1F Reason String (UTF-8 Encoded String).</summary>
    ReasonString = 0x1F,
    /// <summary>0x21 Receive Maximum (Two Byte Integer, not 0).</summary>
    ReceiveMaximum = 0x21,
    /// <summary>0x22 Topic Alias Maximum (Two Byte Integer).</summary>
    TopicAliasMaximum = 0x22,
    /// <summary>0x23 Topic Alias (Two Byte Integer, not 0).</summary>
    TopicAlias = 0x23,
    /// <summary>0x24 Maximum QoS (Byte, 0 or 1).</summary>
    MaximumQoS = 0x24,
    /// <summary>0x25 Retain Available (Byte, 0 or 1).</summary>
    RetainAvailable = 0x25,
    /// <summary>0x26 User Property (UTF-8 String Pair); may appear any number of times, order kept.</summary>
    UserProperty = 0x26,
    /// <summary>0x27 Maximum Packet Size (Four Byte Integer, not 0).</summary>
    MaximumPacketSize = 0x27,
    /// <summary>0x28 Wildcard Subscription Available (Byte, 0 or 1).</summary>
    WildcardSubscriptionAvailable = 0x28,
    /// <summary>0x29 Subscription Identifier Available (Byte, 0 or 1).</summary>
    SubscriptionIdentifierAvailable = 0x29,
    /// <summary>0x2A Shared Subscription Available (Byte, 0 or 1).</summary>
    SharedSubscriptionAvailable = 0x2A,
}

/// <summary>The data type of a property's value (5.0 §1.5).</summary>
public enum PropertyType : byte
{
    /// <summary>Not a defined property.</summary>
    None = 0,
    /// <summary>One byte.</summary>
    Byte,
    /// <summary>Big-endian 16-bit unsigned integer.</summary>
    TwoByteInteger,
    /// <summary>Big-endian 32-bit unsigned integer.</summary>
    FourByteInteger,
    /// <summary>Variable Byte Integer.</summary>
    VariableByteInteger,
    /// <summary>UTF-8 Encoded String.</summary>
    Utf8String,
    /// <summary>Binary Data: 2-byte length and bytes.</summary>
    BinaryData,
    /// <summary>UTF-8 String Pair: two UTF-8 Encoded Strings, name and value.</summary>
    Utf8StringPair,
}

/// <summary>The places a property may appear: one flag per packet, plus the Will Properties of CONNECT.</summary>
[Flags]
public enum PropertyContext : ushort
{
    /// <summary>No context.</summary>
    None = 0,
    /// <summary>CONNECT properties.</summary>
    Connect = 1 << 0,
    /// <summary>The Will Properties in the CONNECT payload.</summary>
    Will = 1 << 1,
    /// <summary>CONNACK.</summary>
    ConnAck = 1 << 2,
    /// <summary>PUBLISH.</summary>
    Publish = 1 << 3,
    /// <summary>PUBACK.</summary>
    PubAck = 1 << 4,
    /// <summary>PUBREC.</summary>
    PubRec = 1 << 5,
    /// <summary>PUBREL.</summary>
    PubRel = 1 << 6,
    /// <summary>PUBCOMP.</summary>
    PubComp = 1 << 7,
    /// <summary>SUBSCRIBE.</summary>
    Subscribe = 1 << 8,
    /// <summary>SUBACK.</summary>
    SubAck = 1 << 9,
    /// <summary>UNSUBSCRIBE.</summary>
    Unsubscribe = 1 << 10,
    /// <summary>UNSUBACK.</summary>
    UnsubAck = 1 << 11,
    /// <summary>DISCONNECT.</summary>
    Disconnect = 1 << 12,
    /// <summary>AUTH.</summary>
    Auth = 1 << 13,
}
