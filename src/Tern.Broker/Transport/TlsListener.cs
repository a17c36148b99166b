using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Transport;

/// <summary>
/// Puts TLS on a Kestrel listener: TLS 1.2 or 1.3 only, the listener's current certificate on every handshake (so a
/// reload reaches new connections), and client certificates checked against the listener's CA file. A handshake that
/// fails is logged once with the reason (event 4100).
/// </summary>
internal static class TlsListener
{
    private const string HandshakeDoneKey = "Tern.TlsHandshakeDone";
    private const string FailureKey = "Tern.TlsFailure";

    /// <summary>Adds the TLS handshake to <paramref name="listen"/>; call before the connection handler or HTTP.</summary>
    public static void Configure(ListenOptions listen, MqttListenerOptions listener)
    {
        var services = listen.ApplicationServices;
        var certificates = services.GetRequiredService<ListenerCertificates>();
        certificates.Register(listener);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tern.Broker.Listeners");

        // A client that opens TCP and never finishes the handshake holds a connection like one that never sends
        // CONNECT: the same bound (RELIABILITY.md E9, stalled handshake).
        var handshakeTimeout = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value.ConnectTimeout;

        // Outside the handshake: Kestrel's TLS middleware ends the connection quietly when the handshake fails, so
        // the failure is recognised here by the connection never reaching the inner marker below.
        listen.Use(next => async connection =>
        {
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                if (!connection.Items.ContainsKey(HandshakeDoneKey))
                {
                    string reason = connection.Items.TryGetValue(FailureKey, out var failure) && failure is string text
                        ? text
                        : "the client closed the connection or offered no common TLS version (1.2 or 1.3) or cipher suite";
                    BrokerLog.TlsHandshakeFailed(logger, connection.RemoteEndPoint?.ToString() ?? "unknown", listener.DisplayName, reason);
                }
            }
        });

        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(CreateOptions(context.Connection, listener, certificates.Current(listener))),
            HandshakeTimeout = handshakeTimeout,
        });

        listen.Use(next => connection =>
        {
            connection.Items[HandshakeDoneKey] = true;
            return next(connection);
        });
    }

    private static SslServerAuthenticationOptions CreateOptions(ConnectionContext connection, MqttListenerOptions listener, ListenerTlsMaterial material)
    {
        var mode = listener.Tls.ClientCertificateMode;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = mode != ClientCertificateMode.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (listener.Protocol == ListenerProtocol.Wss)
        {
            options.ApplicationProtocols = [SslApplicationProtocol.Http11];
        }

        if (mode != ClientCertificateMode.None)
        {
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                var failure = ClientCertificateValidator.Validate(certificate, chain, mode, material.Authorities);
                if (failure is not null)
                {
                    connection.Items[FailureKey] = failure;
                }

                return failure is null;
            };
        }

        return options;
    }
}
