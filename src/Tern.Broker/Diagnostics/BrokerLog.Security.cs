using Microsoft.Extensions.Logging;

namespace Tern.Broker.Diagnostics;

/// <summary>Security events: ids 4000-4099. No message ever contains a password or a hash.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(4000, LogLevel.Warning, "Refused CONNECT from {Remote} (client {ClientId}, user {UserName}, listener {Listener}): 0x{ReasonCode:X2}, {Reason}")]
    public static partial void AuthenticationRefused(ILogger logger, string remote, string clientId, string userName, string listener, byte reasonCode, string reason);

    [LoggerMessage(4001, LogLevel.Error, "The authenticator failed for the CONNECT from {Remote} (client {ClientId}); refusing it")]
    public static partial void AuthenticatorFailed(ILogger logger, string remote, string clientId, Exception exception);

    [LoggerMessage(4002, LogLevel.Debug, "Client {ClientId} from {Remote} authenticated as {UserName} on listener {Listener}")]
    public static partial void Authenticated(ILogger logger, string clientId, string remote, string userName, string listener);

    [LoggerMessage(EventId = 4010, Message = "Denied a PUBLISH of client {ClientId} (user {UserName}) to {Topic}: {Reason}")]
    public static partial void PublishDenied(ILogger logger, LogLevel level, string clientId, string userName, string topic, string reason);

    [LoggerMessage(4011, LogLevel.Information, "Denied a SUBSCRIBE of client {ClientId} (user {UserName}) to {TopicFilter}")]
    public static partial void SubscribeDenied(ILogger logger, string clientId, string userName, string topicFilter);

    [LoggerMessage(4012, LogLevel.Warning, "Refused the will of client {ClientId} (user {UserName}) on {Topic}: {Reason}")]
    public static partial void WillDenied(ILogger logger, string clientId, string userName, string topic, string reason);

    [LoggerMessage(4013, LogLevel.Error, "The authorizer failed checking {Action} for client {ClientId}; denied")]
    public static partial void AuthorizerFailed(ILogger logger, string clientId, string action, Exception exception);

    [LoggerMessage(4020, LogLevel.Warning, "Security: {Warning}")]
    public static partial void SecurityWarning(ILogger logger, string warning);

    [LoggerMessage(4021, LogLevel.Information, "Security: authentication by {Authentication}, ACL {Acl}, anonymous clients {Anonymous}")]
    public static partial void SecurityConfigured(ILogger logger, string authentication, string acl, string anonymous);

    [LoggerMessage(4030, LogLevel.Warning, "Address {Address} failed authentication {Failures} times; its CONNECTs are refused (0x8A Banned) for {Seconds} s")]
    public static partial void AddressBanned(ILogger logger, string address, int failures, double seconds);
}
