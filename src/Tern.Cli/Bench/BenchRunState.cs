using Tern.Protocol;

namespace Tern.Cli.Bench;

/// <summary>What one publisher sends: written once by the runner, read by the publisher's loop.</summary>
/// <param name="Topic">The Topic Name as UTF-8.</param>
/// <param name="QoS">The QoS of every PUBLISH.</param>
/// <param name="Size">Payload bytes.</param>
/// <param name="Count">Messages to send at most.</param>
/// <param name="RatePerSecond">This publisher's share of the rate; 0 for as fast as possible.</param>
/// <param name="Inflight">QoS 1/2 messages unacknowledged at most.</param>
/// <param name="Timestamps">Whether the payload starts with the send time (latency scenario).</param>
internal sealed record PublisherPlan(byte[] Topic, QualityOfService QoS, int Size, long Count, double RatePerSecond, int Inflight, bool Timestamps);

/// <summary>
/// The flags the coordinator raises for every connection loop of a run: stop publishing, and from when latency
/// samples count. Set by one thread (the coordinator), read by all loops.
/// </summary>
internal sealed class BenchRunState
{
    private int _stop;
    private long _measureFrom;

    /// <summary>Publishers send no new message once this is set; they still collect acknowledgements.</summary>
    public bool StopRequested => Volatile.Read(ref _stop) != 0;

    /// <summary>Stopwatch timestamp at which the measured phase began; messages sent before it are warm-up.</summary>
    public long MeasureFrom => Volatile.Read(ref _measureFrom);

    public void RequestStop() => Volatile.Write(ref _stop, 1);

    public void BeginMeasurement(long timestamp) => Volatile.Write(ref _measureFrom, timestamp);
}
