using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace Tern.Client.Transport;

/// <summary>
/// An open byte stream to the broker (TCP, TLS over TCP, or WebSocket) with a pipe on each side: the connection's read
/// loop reads <see cref="Input"/>, its write loop writes <see cref="Output"/>.
/// </summary>
internal sealed class TransportConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly IDisposable? _owner;

    private TransportConnection(Stream stream, IDisposable? owner, string remote)
    {
        _stream = stream;
        _owner = owner;
        Remote = remote;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 2048, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Where it goes, for messages: <c>127.0.0.1:1883</c> or the WebSocket URI.</summary>
    public string Remote { get; }

    /// <summary>Opens the transport <paramref name="options"/> ask for.</summary>
    public static async Task<TransportConnection> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        if (options.WebSocketUri is { } uri)
        {
            return await ConnectWebSocketAsync(uri, options.Tls, cancellationToken).ConfigureAwait(false);
        }

        string remote = $"{options.Host}:{options.Port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsClientAsync(
                        new SslClientAuthenticationOptions
                        {
                            TargetHost = tls.TargetHost ?? options.Host,
                            ClientCertificates = tls.ClientCertificates,
                            EnabledSslProtocols = tls.EnabledProtocols,
                            RemoteCertificateValidationCallback = ValidationCallback(tls),
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await ssl.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                stream = ssl;
            }

            return new TransportConnection(stream, null, remote);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The certificate check <paramref name="tls"/> asks for, or null for the system's default.</summary>
    public static RemoteCertificateValidationCallback? ValidationCallback(MqttTlsOptions? tls)
    {
        if (tls is null)
        {
            return null;
        }

        if (tls.CertificateValidation is { } custom)
        {
            return custom;
        }

        if (tls.AllowUntrustedCertificates)
        {
            return static (_, _, _, _) => true;
        }

        if (tls.TrustedCertificateAuthorities is { Count: > 0 } roots)
        {
            return (_, certificate, _, errors) => ValidateAgainst(roots, certificate, errors);
        }

        return null;
    }

    /// <summary>Closes the transport; a broken one fails to flush or to say goodbye, and is closed all the same.</summary>
    public async ValueTask DisposeAsync()
    {
        await Quietly(Input.CompleteAsync()).ConfigureAwait(false);
        await Quietly(Output.CompleteAsync()).ConfigureAwait(false);
        await Quietly(_stream.DisposeAsync()).ConfigureAwait(false);
        _owner?.Dispose();
    }

    private static async ValueTask Quietly(ValueTask step)
    {
        try
        {
            await step.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static async Task<TransportConnection> ConnectWebSocketAsync(Uri uri, MqttTlsOptions? tls, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            // MQTT over WebSocket: binary messages, subprotocol "mqtt" (5.0 §6, 3.1.1 §6).
            socket.Options.AddSubProtocol("mqtt");
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            if (uri.Scheme == "wss" && tls is not null)
            {
                socket.Options.RemoteCertificateValidationCallback = ValidationCallback(tls);
                if (tls.ClientCertificates is { } certificates)
                {
                    socket.Options.ClientCertificates = certificates;
                }
            }

            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            if (socket.SubProtocol != "mqtt")
            {
                throw new WebSocketException($"the server did not accept the WebSocket subprotocol 'mqtt' (it chose '{socket.SubProtocol}')");
            }

            var stream = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false);
            return new TransportConnection(stream, socket, uri.ToString());
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The chain must lead to one of the given roots; the host name must match (the name mismatch and missing-chain
    // errors are the system's verdict, which a private root does not change).
    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
