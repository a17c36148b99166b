using Microsoft.Extensions.Logging;

namespace Tern.Broker.Diagnostics;

/// <summary>
/// Every log line the broker writes, source-generated, with stable event ids (listed in docs/operations.md):
/// 1xxx connections, 2xxx sessions and queues, 3xxx the broker itself. Passwords are never logged.
/// </summary>
internal static partial class BrokerLog
{
    [LoggerMessage(1000, LogLevel.Information, "Client {ClientId} connected from {Remote} (MQTT {Version}, clean {CleanSession}, keep alive {KeepAlive} s, session present {SessionPresent})")]
    public static partial void ClientConnected(ILogger logger, string clientId, string remote, string version, bool cleanSession, int keepAlive, bool sessionPresent);

    [LoggerMessage(1001, LogLevel.Information, "Client {ClientId} disconnected ({Reason})")]
    public static partial void ClientDisconnected(ILogger logger, string clientId, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Closing connection from {Remote} (client {ClientId}): {Violation}")]
    public static partial void ProtocolViolation(ILogger logger, string remote, string clientId, string violation);

    [LoggerMessage(1003, LogLevel.Information, "Client {ClientId} sent nothing for {Seconds} s (1.5 x keep alive); closing the connection")]
    public static partial void KeepAliveTimeout(ILogger logger, string clientId, double seconds);

    [LoggerMessage(1004, LogLevel.Information, "Connection from {Remote} sent no CONNECT within {Seconds} s; closing it")]
    public static partial void ConnectTimeout(ILogger logger, string remote, double seconds);

    [LoggerMessage(1005, LogLevel.Information, "Client {ClientId} from {NewRemote} (user {NewUser}) takes over the session of the connection from {OldRemote} (user {OldUser})")]
    public static partial void SessionTakeover(ILogger logger, string clientId, string newRemote, string newUser, string oldRemote, string oldUser);

    [LoggerMessage(1006, LogLevel.Warning, "Refused CONNECT from {Remote} (client {ClientId}): {Reason}")]
    public static partial void ConnectRefused(ILogger logger, string remote, string clientId, string reason);

    [LoggerMessage(1007, LogLevel.Debug, "Connection from {Remote} ended with an I/O error")]
    public static partial void ConnectionError(ILogger logger, string remote, Exception exception);

    [LoggerMessage(1009, LogLevel.Information, "Refused a PUBLISH from client {ClientId}: {Reason}")]
    public static partial void PublishRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(1010, LogLevel.Information, "Enhanced authentication from {Remote} (client {ClientId}): {Action}, {Detail}")]
    public static partial void AuthenticationStep(ILogger logger, string remote, string clientId, string action, string detail);

    [LoggerMessage(1008, LogLevel.Error, "Unexpected error on the connection from {Remote} (client {ClientId}); closing it")]
    public static partial void UnexpectedError(ILogger logger, string remote, string clientId, Exception exception);

    [LoggerMessage(2000, LogLevel.Warning, "Queue of client {ClientId} is full ({Limit} messages); policy {Policy} drops messages until it drains")]
    public static partial void QueueFull(ILogger logger, string clientId, int limit, string policy);

    [LoggerMessage(2001, LogLevel.Warning, "Client {ClientId} left more than {Limit} QoS 2 messages awaiting PUBREL; closing the connection")]
    public static partial void AwaitingReleaseExceeded(ILogger logger, string clientId, int limit);

    [LoggerMessage(2002, LogLevel.Information, "Published the will of client {ClientId} to {Topic}")]
    public static partial void WillPublished(ILogger logger, string clientId, string topic);

    [LoggerMessage(2003, LogLevel.Information, "Session of client {ClientId} ended")]
    public static partial void SessionEnded(ILogger logger, string clientId);

    [LoggerMessage(2004, LogLevel.Debug, "A message for client {ClientId} is larger than the Maximum Packet Size it announced; not sent to it")]
    public static partial void MessageTooLarge(ILogger logger, string clientId);

    [LoggerMessage(3000, LogLevel.Information, "listening on {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(3001, LogLevel.Information, "Shutting down: disconnecting {Count} clients")]
    public static partial void ShuttingDown(ILogger logger, int count);

    [LoggerMessage(3002, LogLevel.Error, "Publishing $SYS topics failed")]
    public static partial void SysPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(3003, LogLevel.Information, "Configuration reloaded: {Parts}")]
    public static partial void Reloaded(ILogger logger, string parts);

    [LoggerMessage(3004, LogLevel.Error, "Configuration reload rejected, the previous configuration stays in force: {Problems}")]
    public static partial void ReloadRejected(ILogger logger, string problems);

    [LoggerMessage(5000, LogLevel.Warning, "MaxConnections ({Limit}) reached: new connections are closed at accept until one ends")]
    public static partial void ConnectionLimitReached(ILogger logger, int limit);

    [LoggerMessage(5011, LogLevel.Information, "The file limit allows {Connections} connections (ulimit -n {Limit}, less {Open} descriptors open at start and {Reserve} kept free: FileDescriptorReserve); more are closed at accept")]
    public static partial void FileLimitBudget(ILogger logger, int connections, long limit, int open, long reserve);

    [LoggerMessage(5012, LogLevel.Warning, "The file limit's {Connections} connections are open: new connections are closed at accept until one ends (raise ulimit -n)")]
    public static partial void FileLimitReached(ILogger logger, int connections);

    [LoggerMessage(5001, LogLevel.Warning, "Listener {Listener} reached its MaxConnections ({Limit}): new connections to it are closed at accept until one ends")]
    public static partial void ListenerConnectionLimitReached(ILogger logger, string listener, int limit);

    [LoggerMessage(5002, LogLevel.Warning, "Address {Address} opens more than {Rate} connections a second (MaxConnectionRatePerAddress): closing the excess at accept")]
    public static partial void ConnectionRateExceeded(ILogger logger, string address, int rate);

    [LoggerMessage(5003, LogLevel.Warning, "Client {ClientId} sent a {Packet} topic above {Setting} ({Limit}); refused")]
    public static partial void TopicLimitExceeded(ILogger logger, string clientId, string packet, string setting, int limit);

    [LoggerMessage(5004, LogLevel.Warning, "Client {ClientId} reached MaxSubscriptionsPerClient ({Limit}); further subscriptions are refused")]
    public static partial void SubscriptionLimitReached(ILogger logger, string clientId, int limit);

    [LoggerMessage(5005, LogLevel.Warning, "Queue of client {ClientId} holds more than {Limit} bytes (MaxQueuedBytes); policy {Policy} drops messages until it drains")]
    public static partial void QueuedBytesExceeded(ILogger logger, string clientId, long limit, string policy);

    [LoggerMessage(5006, LogLevel.Warning, "Client {ClientId} reads slowly: {Limit} bytes wait to be written (MaxOutboundBytes); QoS 0 messages to it are dropped until it catches up")]
    public static partial void OutboundBytesExceeded(ILogger logger, string clientId, long limit);

    [LoggerMessage(5007, LogLevel.Warning, "Client {ClientId} from {Remote} took no bytes for {Seconds} s (SlowConsumerTimeout); closing the connection")]
    public static partial void SlowConsumerDisconnected(ILogger logger, string clientId, string remote, double seconds);

    [LoggerMessage(5008, LogLevel.Information, "Client {ClientId} publishes faster than {Setting} ({Limit}); reading from it is paused until its budget refills")]
    public static partial void PublishRateExceeded(ILogger logger, string clientId, string setting, long limit);

    [LoggerMessage(5009, LogLevel.Warning, "Managed memory {Used} bytes is above MemoryLimitBytes ({Limit}): refusing new connections and QoS 1/2 PUBLISHes, dropping QoS 0 to slow clients")]
    public static partial void MemoryLimitExceeded(ILogger logger, long used, long limit);

    [LoggerMessage(5010, LogLevel.Information, "Managed memory {Used} bytes is back under 90% of MemoryLimitBytes ({Limit}); load shedding ends")]
    public static partial void MemoryBackUnderLimit(ILogger logger, long used, long limit);

    [LoggerMessage(7000, LogLevel.Information, "listening on http://{EndPoint} (metrics, health{AdminApi})")]
    public static partial void HttpListening(ILogger logger, string endPoint, string adminApi);

    [LoggerMessage(7001, LogLevel.Warning, "Admin API request from {Remote} refused: {Reason}")]
    public static partial void AdminUnauthorized(ILogger logger, string remote, string reason);

    [LoggerMessage(7002, LogLevel.Information, "An administrator ({Principal}) disconnected client {ClientId}")]
    public static partial void AdminDisconnected(ILogger logger, string principal, string clientId);

    [LoggerMessage(7003, LogLevel.Information, "An administrator ({Principal}) deleted the session of client {ClientId}")]
    public static partial void AdminSessionDeleted(ILogger logger, string principal, string clientId);

    [LoggerMessage(7004, LogLevel.Information, "An administrator ({Principal}) published to {Topic} (QoS {QoS}, retain {Retain}, {Deliveries} deliveries)")]
    public static partial void AdminPublished(ILogger logger, string principal, string topic, int qoS, bool retain, int deliveries);

    [LoggerMessage(7005, LogLevel.Information, "An administrator ({Principal}) deleted the retained message of {Topic}")]
    public static partial void AdminRetainedDeleted(ILogger logger, string principal, string topic);

    [LoggerMessage(7006, LogLevel.Information, "Configuration reload requested by {Source}")]
    public static partial void ReloadRequested(ILogger logger, string source);
}
