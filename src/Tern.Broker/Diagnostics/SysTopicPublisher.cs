using System.Globalization;
using System.Reflection;
using System.Text;
using Tern.Broker.Hosting;
using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Diagnostics;

/// <summary>
/// Publishes the $SYS topics every <see cref="BrokerOptions.SysInterval"/>, as retained QoS 0 messages in Mosquitto's
/// shape, so a subscriber to <c>$SYS/#</c> sees current values at once. Filters starting with a wildcard never match
/// them ([MQTT-4.7.2-1]). Who may read them is the ACL's business.
/// </summary>
internal sealed class SysTopicPublisher : IDisposable
{
    private static readonly string Version = typeof(SysTopicPublisher).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private static readonly string[] Windows = ["1min", "5min", "15min"];

    private readonly BrokerEngine _engine;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private readonly (string Topic, Func<BrokerMetrics, long> Counter, LoadAverage Load)[] _loads;
    private long _lastPublished;
    private long _heapMaximum;

    public SysTopicPublisher(BrokerEngine engine)
    {
        _engine = engine;
        _loads =
        [
            ("$SYS/broker/load/messages/received/", static m => m.PacketsReceived, new LoadAverage()),
            ("$SYS/broker/load/messages/sent/", static m => m.PacketsSent, new LoadAverage()),
            ("$SYS/broker/load/publish/received/", static m => m.MessagesReceived, new LoadAverage()),
            ("$SYS/broker/load/publish/sent/", static m => m.MessagesSent, new LoadAverage()),
            ("$SYS/broker/load/publish/dropped/", static m => m.MessagesDropped, new LoadAverage()),
            ("$SYS/broker/load/bytes/received/", static m => m.BytesReceived, new LoadAverage()),
            ("$SYS/broker/load/bytes/sent/", static m => m.BytesSent, new LoadAverage()),
            ("$SYS/broker/load/connections/", static m => m.ConnectionsAccepted, new LoadAverage()),
        ];
        var interval = engine.Options.SysInterval;
        if (interval > TimeSpan.Zero)
        {
            _timer = engine.TimeProvider.CreateTimer(_ => PublishSafely(), null, TimeSpan.Zero, interval);
        }
    }

    /// <summary>Publishes every $SYS topic once.</summary>
    public void Publish()
    {
        lock (_gate)
        {
            var time = _engine.TimeProvider;
            long now = time.GetTimestamp();
            var metrics = _engine.Metrics;
            var sessions = _engine.Sessions.GetAll();
            long connected = metrics.ClientsConnected;
            long queued = 0, inflight = 0, offline = 0;
            foreach (var session in sessions)
            {
                queued += session.QueuedCount;
                inflight += session.InflightCount;
                offline += session.Connection is null ? 1 : 0;
            }

            long heap = GC.GetTotalMemory(forceFullCollection: false);
            _heapMaximum = Math.Max(_heapMaximum, heap);
            int retained = _engine.Retained.Count;
            long stored = retained + queued;

            Set("$SYS/broker/version", "tern " + Version);
            Set("$SYS/broker/uptime", ((long)time.GetElapsedTime(_engine.StartedAt, now).TotalSeconds).ToString(CultureInfo.InvariantCulture) + " seconds");
            Set("$SYS/broker/clients/connected", connected);
            Set("$SYS/broker/clients/disconnected", offline);
            Set("$SYS/broker/clients/total", connected + offline);
            Set("$SYS/broker/clients/maximum", metrics.ClientsMaximum);
            Set("$SYS/broker/clients/expired", _engine.Sessions.ExpiredCount);
            Set("$SYS/broker/messages/received", metrics.PacketsReceived);
            Set("$SYS/broker/messages/sent", metrics.PacketsSent);
            Set("$SYS/broker/messages/dropped", metrics.MessagesDropped);
            Set("$SYS/broker/messages/stored", stored);
            Set("$SYS/broker/messages/inflight", inflight);
            Set("$SYS/broker/store/messages/count", stored);
            Set("$SYS/broker/publish/messages/received", metrics.MessagesReceived);
            Set("$SYS/broker/publish/messages/sent", metrics.MessagesSent);
            Set("$SYS/broker/publish/messages/dropped", metrics.MessagesDropped);
            Set("$SYS/broker/bytes/received", metrics.BytesReceived);
            Set("$SYS/broker/bytes/sent", metrics.BytesSent);
            Set("$SYS/broker/subscriptions/count", _engine.Tree.Count);
            Set("$SYS/broker/retained messages/count", retained);
            Set("$SYS/broker/heap/current", heap);
            Set("$SYS/broker/heap/maximum", _heapMaximum);

            var elapsed = _lastPublished == 0 ? TimeSpan.Zero : time.GetElapsedTime(_lastPublished, now);
            _lastPublished = now;
            foreach (var (topic, counter, load) in _loads)
            {
                load.Update(counter(metrics), elapsed);
                for (int i = 0; i < Windows.Length; i++)
                {
                    Set(topic + Windows[i], load.Averages[i].ToString("F2", CultureInfo.InvariantCulture));
                }
            }
        }
    }

    private void PublishSafely()
    {
        try
        {
            Publish();
        }
        catch (Exception ex)
        {
            BrokerLog.SysPublishFailed(_engine.Logger, ex);
        }
    }

    private void Set(string topic, long value) => Set(topic, value.ToString(CultureInfo.InvariantCulture));

    private void Set(string topic, string value) =>
        _engine.Router.Route(BrokerMessage.Create(Encoding.UTF8.GetBytes(topic), default, Encoding.UTF8.GetBytes(value), QualityOfService.AtMostOnce, retain: true, publisherClientId: null, _engine.TimeProvider), publisher: null);

    public void Dispose() => _timer?.Dispose();
}
