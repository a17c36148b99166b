using Tern.Protocol;

namespace Tern.Client;

/// <summary>
/// The outcome of a publish: for QoS 0, that it was written to the network; for QoS 1 the PUBACK, for QoS 2 the PUBREC
/// (when it refused) or PUBCOMP. 3.1.1 acknowledgements carry no reason code: success.
/// </summary>
public sealed record MqttPublishResult
{
    /// <summary>The Reason Code: 0x00 Success, 0x10 No matching subscribers, or a failure (0x80 and above).</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>True when the reason code is below 0x80.</summary>
    public bool IsSuccess => !ReasonCodes.IsFailure(ReasonCode);

    /// <summary>The packet identifier used (0 for QoS 0).</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>5.0 User Properties of the acknowledgement.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>The SUBACK: one reason code per Topic Filter, in order (Granted QoS 0/1/2 or a failure).</summary>
public sealed record MqttSubscribeResult
{
    /// <summary>One code per filter: 0x00–0x02 granted QoS; 0x80 and above refused.</summary>
    public IReadOnlyList<ReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>True when every filter was granted.</summary>
    public bool IsSuccess => ReasonCodes.All(code => !Tern.Protocol.ReasonCodes.IsFailure(code));

    /// <summary>5.0 Reason String.</summary>
    public string? ReasonString { get; init; }

    /// <summary>5.0 User Properties.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>The UNSUBACK: in 5.0 one reason code per filter; in 3.1.1 none (the list holds Success for each filter).</summary>
public sealed record MqttUnsubscribeResult
{
    /// <summary>One code per filter: 0x00 Success, 0x11 No subscription existed, or a failure.</summary>
    public IReadOnlyList<ReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>5.0 Reason String.</summary>
    public string? ReasonString { get; init; }
}
