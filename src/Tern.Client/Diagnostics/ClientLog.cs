using Microsoft.Extensions.Logging;

namespace Tern.Client.Diagnostics;

/// <summary>The client's log lines, source-generated, with stable event ids (1xx connection, 2xx messages, 3xx store).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Connected to {Remote} as {ClientId} (MQTT {Version}, session present {SessionPresent})")]
    public static partial void Connected(ILogger logger, string remote, string clientId, string version, bool sessionPresent);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Connection to {Remote} ended: {Reason}")]
    public static partial void Disconnected(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Reconnecting to {Remote} in {DelayMs} ms (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, string remote, long delayMs, int attempt);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Connection attempt to {Remote} failed: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string remote, string error);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Broker {Remote} broke the protocol: {Violation}")]
    public static partial void ProtocolViolation(ILogger logger, string remote, string violation);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "No PINGRESP from {Remote} within {Seconds} s: the connection is dead")]
    public static partial void KeepAliveTimeout(ILogger logger, string remote, double seconds);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "Session present: resending {Count} unacknowledged QoS 1/2 message(s) with DUP")]
    public static partial void Resending(ILogger logger, int count);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "No session present: restoring {Count} subscription(s)")]
    public static partial void Resubscribing(ILogger logger, int count);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "An event handler of the client threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "The broker refused to restore subscriptions after a reconnect: {Codes}")]
    public static partial void RestoreRefused(ILogger logger, string codes);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Publish queue full ({Capacity}): dropped a message to {Topic}")]
    public static partial void MessageDropped(ILogger logger, int capacity, string topic);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Message to {Topic} not sent: {Reason}")]
    public static partial void MessageRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Loaded {Count} undelivered message(s) from {Path}")]
    public static partial void StoreLoaded(ILogger logger, int count, string path);
}
