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
/// them ([MQTT-4.7.2-1]).
/// </summary>
internal sealed class SysTopicPublisher : IDisposable
{
    private static readonly string Version = typeof(SysTopicPublisher).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly BrokerEngine _engine;
    private readonly ITimer? _timer;

    public SysTopicPublisher(BrokerEngine engine)
    {
        _engine = engine;
        var interval = engine.Options.SysInterval;
        if (interval > TimeSpan.Zero)
        {
            _timer = engine.TimeProvider.CreateTimer(_ => PublishSafely(), null, TimeSpan.Zero, interval);
        }
    }

    /// <summary>Publishes every $SYS topic once.</summary>
    public void Publish()
    {
        var uptime = _engine.TimeProvider.GetElapsedTime(_engine.StartedAt);
        Set("$SYS/broker/version", "tern " + Version);
        Set("$SYS/broker/uptime", ((long)uptime.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " seconds");
        Set("$SYS/broker/clients/connected", _engine.Metrics.ClientsConnected);
        Set("$SYS/broker/messages/received", _engine.Metrics.MessagesReceived);
        Set("$SYS/broker/messages/sent", _engine.Metrics.MessagesSent);
        Set("$SYS/broker/messages/dropped", _engine.Metrics.MessagesDropped);
        Set("$SYS/broker/subscriptions/count", _engine.Tree.Count);
        Set("$SYS/broker/retained messages/count", _engine.Retained.Count);
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
