using Microsoft.Extensions.Logging;

namespace Tern.Broker.Diagnostics;

/// <summary>Listener log lines: 41xx, TLS handshakes, certificates and WebSocket upgrades.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(4100, LogLevel.Warning, "TLS handshake from {Remote} on listener {Listener} failed: {Reason}")]
    public static partial void TlsHandshakeFailed(ILogger logger, string remote, string listener, string reason);

    [LoggerMessage(4101, LogLevel.Information, "Listener {Listener} serves the certificate {Subject} (thumbprint {Thumbprint}, valid until {NotAfter:u})")]
    public static partial void CertificateLoaded(ILogger logger, string listener, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(4102, LogLevel.Information, "WebSocket request from {Remote} on listener {Listener} for {Path} refused with {Status}: {Reason}")]
    public static partial void WebSocketRefused(ILogger logger, string remote, string listener, string path, int status, string reason);

    [LoggerMessage(4103, LogLevel.Warning, "WebSocket client {Remote} on listener {Listener} sent a text frame; closing the connection (MQTT uses binary frames)")]
    public static partial void WebSocketTextFrame(ILogger logger, string remote, string listener);
}
