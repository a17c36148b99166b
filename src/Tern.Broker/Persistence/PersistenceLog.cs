using Microsoft.Extensions.Logging;

namespace Tern.Broker.Persistence;

/// <summary>The log lines of durable state, event ids 6000-6099 (listed in docs/persistence.md).</summary>
internal static partial class PersistenceLog
{
    [LoggerMessage(6000, LogLevel.Information, "Durable state in {Path}: {Sessions} sessions, {Messages} queued messages, {Retained} retained messages loaded ({Durability} durability)")]
    public static partial void Loaded(ILogger logger, string path, int sessions, int messages, int retained, string durability);

    [LoggerMessage(6001, LogLevel.Error, "Writing durable state failed; QoS 1/2 messages are refused until a write succeeds: {Problem}")]
    public static partial void WriteFailed(ILogger logger, string problem);

    [LoggerMessage(6002, LogLevel.Information, "Writing durable state works again after {Seconds:F1} s; QoS 1/2 messages are accepted")]
    public static partial void WriteRecovered(ILogger logger, double seconds);

    [LoggerMessage(6003, LogLevel.Information, "Session of {ClientId} expired while the broker was down")]
    public static partial void ExpiredWhileDown(ILogger logger, string clientId);

    [LoggerMessage(6004, LogLevel.Warning, "An acknowledgement callback of the durable writer failed")]
    public static partial void CallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(6005, LogLevel.Warning, "Durable state: the writer did not finish within {Seconds} s at shutdown; the last writes may be lost")]
    public static partial void ShutdownTimedOut(ILogger logger, double seconds);

    [LoggerMessage(6006, LogLevel.Error, "Reading queued messages of {ClientId} back from the store failed; they stay queued and the read is retried: {Problem}")]
    public static partial void ReadFailed(ILogger logger, string clientId, string problem);
}
