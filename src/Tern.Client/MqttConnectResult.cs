using Tern.Protocol;

namespace Tern.Client;

/// <summary>What the broker answered in CONNACK (3.1.1 §3.2, 5.0 §3.2), including what a 5.0 broker allows this client.</summary>
public sealed record MqttConnectResult
{
    /// <summary>The Connect Reason Code (5.0); for 3.1.1 the 5.0 equivalent of <see cref="ReturnCode"/>.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>The 3.1.1 Connect Return Code (0 accepted, 1–5 refused); for 5.0 the closest 3.1.1 code.</summary>
    public ConnectReturnCode ReturnCode { get; init; }

    /// <summary>Session Present: the broker resumed a stored session.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>True when the broker accepted the connection.</summary>
    public bool IsSuccess => ReasonCode == ReasonCode.Success;

    /// <summary>The protocol version of the connection.</summary>
    public ProtocolVersion ProtocolVersion { get; init; }

    /// <summary>The client identifier in use: the configured one, the generated one, or the one the broker assigned.</summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>5.0 Assigned Client Identifier, when the client sent none.</summary>
    public string? AssignedClientIdentifier { get; init; }

    /// <summary>5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>5.0 Receive Maximum: QoS 1/2 messages the broker accepts in flight (65,535 when absent).</summary>
    public ushort ReceiveMaximum { get; init; } = ushort.MaxValue;

    /// <summary>5.0 Maximum Packet Size the broker accepts, or null (no limit).</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>5.0 Topic Alias Maximum: aliases the client may use (0 when absent).</summary>
    public ushort TopicAliasMaximum { get; init; }

    /// <summary>5.0 Maximum QoS the broker accepts (2 when absent).</summary>
    public QualityOfService MaximumQoS { get; init; } = QualityOfService.ExactlyOnce;

    /// <summary>5.0 Retain Available (true when absent).</summary>
    public bool RetainAvailable { get; init; } = true;

    /// <summary>5.0 Server Keep Alive: the keep alive the broker imposes, or null.</summary>
    public ushort? ServerKeepAlive { get; init; }

    /// <summary>5.0 Session Expiry Interval the broker imposes, or null.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>5.0 Response Information, when requested and given.</summary>
    public string? ResponseInformation { get; init; }

    /// <summary>5.0 Server Reference (another broker to use), or null.</summary>
    public string? ServerReference { get; init; }

    /// <summary>5.0 Wildcard Subscription Available (true when absent).</summary>
    public bool WildcardSubscriptionAvailable { get; init; } = true;

    /// <summary>5.0 Subscription Identifiers Available (true when absent).</summary>
    public bool SubscriptionIdentifiersAvailable { get; init; } = true;

    /// <summary>5.0 Shared Subscription Available (true when absent).</summary>
    public bool SharedSubscriptionAvailable { get; init; } = true;

    /// <summary>5.0 User Properties.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
