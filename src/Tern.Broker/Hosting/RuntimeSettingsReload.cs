namespace Tern.Broker.Hosting;

/// <summary>
/// The settings that can change while the broker runs, re-read from <see cref="Source"/> on every reload (SIGHUP, the
/// admin API, <see cref="MqttBroker.Reload"/>) and copied onto the live <see cref="BrokerOptions"/>, which the checks
/// read at the moment they apply. Settings fixed at start (listeners, persistence, queue sizes of existing sessions)
/// are left alone; a new source that changes one of them is not an error, it waits for the next restart.
/// </summary>
internal sealed class RuntimeSettingsReload(Microsoft.Extensions.Options.IOptions<BrokerOptions> live) : IReloadableComponent
{
    /// <summary>Reads the current configuration; null (the default for embedders) leaves these settings as they are.</summary>
    public Func<BrokerOptions>? Source { get; set; }

    /// <inheritdoc/>
    public string Name => "limits";

    /// <inheritdoc/>
    public ReloadPreparation Prepare()
    {
        if (Source is not { } source)
        {
            return new ReloadPreparation([], null);
        }

        var updated = source();
        var problems = updated.Validate();
        if (problems.Count > 0)
        {
            return new ReloadPreparation([.. problems.Select(p => "configuration: " + p)], null);
        }

        var options = live.Value;
        return ReloadPreparation.Ready(() =>
        {
            options.MaxConnections = updated.MaxConnections;
            options.MaxTopicLength = updated.MaxTopicLength;
            options.MaxTopicLevels = updated.MaxTopicLevels;
            options.MaxSubscriptionsPerClient = updated.MaxSubscriptionsPerClient;
            options.MaxOutboundBytes = updated.MaxOutboundBytes;
            options.SlowConsumerTimeout = updated.SlowConsumerTimeout;
            options.ConnectTimeout = updated.ConnectTimeout;
            options.MaxKeepAlive = updated.MaxKeepAlive;
            options.MaxAwaitingRelease = updated.MaxAwaitingRelease;
            options.MaxInflightMessages = updated.MaxInflightMessages;
            options.MaxPublishRatePerClient = updated.MaxPublishRatePerClient;
            options.MaxPublishBytesRatePerClient = updated.MaxPublishBytesRatePerClient;
        });
    }
}
