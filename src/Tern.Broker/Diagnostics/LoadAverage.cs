namespace Tern.Broker.Diagnostics;

/// <summary>
/// A counter's rate per minute, smoothed exponentially over 1, 5 and 15 minutes, as Mosquitto's
/// <c>$SYS/broker/load/...</c>: each update folds in the rate seen since the last one, weighted by how long ago that was.
/// </summary>
internal sealed class LoadAverage
{
    private static readonly double[] WindowsInSeconds = [60, 300, 900];

    private readonly double[] _averages = new double[3];
    private long _last;
    private bool _started;

    /// <summary>The averages over 1, 5 and 15 minutes, in events per minute.</summary>
    public IReadOnlyList<double> Averages => _averages;

    /// <summary>Folds in the counter's <paramref name="total"/> after <paramref name="elapsed"/> since the last update.</summary>
    public void Update(long total, TimeSpan elapsed)
    {
        if (!_started || elapsed <= TimeSpan.Zero)
        {
            _last = total;
            _started = true;
            return;
        }

        double perMinute = (total - _last) * 60.0 / elapsed.TotalSeconds;
        _last = total;
        for (int i = 0; i < _averages.Length; i++)
        {
            double decay = Math.Exp(-elapsed.TotalSeconds / WindowsInSeconds[i]);
            _averages[i] = perMinute + (decay * (_averages[i] - perMinute));
        }
    }
}
