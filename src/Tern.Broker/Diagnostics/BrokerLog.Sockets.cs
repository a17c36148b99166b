using Microsoft.Extensions.Logging;

namespace Tern.Broker.Diagnostics;

/// <summary>Log lines of the socket transport (Transport/SocketListener): 3010–3019.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(3010, LogLevel.Warning, "Listener {Listener} cannot accept connections: {Reason}; retrying every {Delay} ms until it can")]
    public static partial void AcceptFailing(ILogger logger, string listener, string reason, int delay);

    [LoggerMessage(3011, LogLevel.Information, "Listener {Listener} accepts connections again after {Failures} failed accepts")]
    public static partial void AcceptRecovered(ILogger logger, string listener, int failures);
}
