using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Tern.Broker.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Broker.Tests.Listeners;

/// <summary>
/// RELIABILITY.md E9: TLS spoken to a plain port, and a TLS handshake that never starts. (Plain MQTT to a TLS port:
/// <see cref="TlsListenerTests.Plain_MQTT_sent_to_a_TLS_listener_is_refused_and_logged"/>.)
/// </summary>
public sealed class TlsHandshakeGapsTests(CertificatesFixture fixture) : IClassFixture<CertificatesFixture>
{
    private readonly TestCertificates _certificates = fixture.Certificates;

    [Fact]
    public async Task A_TLS_ClientHello_sent_to_a_plain_MQTT_port_is_closed_as_a_protocol_violation()
    {
        await using var broker = await TernBroker.StartAsync(_ => { });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", broker.Port).WaitAsync(Timeouts.Default);
        await using var ssl = new SslStream(tcp.GetStream());

        // The ClientHello's first byte 0x16 reads as a CONNECT with reserved flags 0110: malformed (MQTT-2.1.3-1).
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => handshake.WaitAsync(Timeouts.Default));

        Assert.True(error is IOException or AuthenticationException, error.ToString());
        Assert.DoesNotContain("CONNACK", broker.Log, StringComparison.Ordinal);
        await broker.WaitForLogAsync(l => l.Contains("127.0.0.1", StringComparison.Ordinal) && l.Contains("malformed", StringComparison.OrdinalIgnoreCase), "the protocol violation");
    }

    [Fact]
    public async Task A_stalled_TLS_handshake_is_closed_within_the_connect_timeout()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates), o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        // TCP connected, not a byte of ClientHello: the handshake timeout (ConnectTimeout) ends it, not the default 10 s.
        await using var raw = await broker.ConnectRawAsync();
        await raw.ExpectClosedAsync(Timeouts.Default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"closed after {clock.Elapsed}");
        await broker.WaitForLogAsync(l => l.Contains("[4100]", StringComparison.Ordinal), "the failed handshake");
    }
}
