using Microsoft.Extensions.Logging;

namespace Tern.Broker.Diagnostics;

/// <summary>Log lines of the socket transport (Transport/SocketListener): 3010–3019.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(3010, LogLevel.Warning, "Listener {Listener} cannot accept connections: {Reason}; retrying with a back-off of up to {Delay} ms (logged at most once a minute)")]
    public static partial void AcceptFailing(ILogger logger, string listener, string reason, int delay);

    [LoggerMessage(3011, LogLevel.Information, "Listener {Listener} accepts connections again ({Failures} accepts failed since the warning)")]
    public static partial void AcceptRecovered(ILogger logger, string listener, int failures);

    [LoggerMessage(3012, LogLevel.Error, "Listener {Listener} failed to start an accepted connection; it was closed")]
    public static partial void AdmitFailed(ILogger logger, string listener, Exception exception);
}
