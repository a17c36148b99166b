namespace Tern.Broker;

/// <summary>When the broker acknowledges work it must store.</summary>
public enum DurabilityMode
{
    /// <summary>
    /// PUBACK / PUBREC and SUBACK are sent only after the writes they stand for are committed to disk (fsync). One
    /// writer commits the writes of all connections together, so many acknowledgements share one fsync.
    /// </summary>
    Ack = 0,

    /// <summary>
    /// Acknowledgements go out at once and the writes are committed every <see cref="PersistenceOptions.FlushInterval"/>:
    /// faster, and a crash loses up to one interval of acknowledged work.
    /// </summary>
    Periodic = 1,
}
