namespace Tern.Protocol;

/// <summary>The delivery guarantee of an Application Message. Value 3 is reserved and never valid.</summary>
public enum QualityOfService : byte
{
    /// <summary>QoS 0: at most once, fire and forget.</summary>
    AtMostOnce = 0,
    /// <summary>QoS 1: at least once, acknowledged by PUBACK.</summary>
    AtLeastOnce = 1,
    /// <summary>QoS 2: exactly once, the PUBREC / PUBREL / PUBCOMP exchange.</summary>
    ExactlyOnce = 2,
}
