using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Tern.Broker.Tests.Security;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Broker.Tests.Listeners;

/// <summary>
/// RELIABILITY.md E10 (mTLS): an expired client certificate, a certificate's identity against a different MQTT user
/// name, and a certificate without a common name, through a real TLS socket.
/// </summary>
public sealed class MutualTlsGapsTests(CertificatesFixture fixture) : IClassFixture<CertificatesFixture>, IDisposable
{
    private readonly TestCertificates _certificates = fixture.Certificates;
    private readonly string _directory = Directory.CreateTempSubdirectory("tern-mtls-gaps-").FullName;

    // A CA of its own, valid long before now, so that it can issue a client certificate that has already expired.
    private readonly X509Certificate2 _authority = CreateAuthority();

    [Fact]
    public async Task An_expired_client_certificate_is_refused_at_the_handshake()
    {
        using var expired = Issue("CN=sensor-old", DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddDays(-1));
        await using var broker = await ListenerHarness.StartAsync(Listener(identityAsUserName: false));

        var (connected, _, _) = await ListenerHarness.ConnectOverTlsAsync(broker.Port, expired);

        Assert.False(connected);
        var line = await broker.WaitForLogAsync(l => l.Contains("CN=sensor-old", StringComparison.Ordinal), "the refused expired certificate");
        Assert.Contains("NotTimeValid", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_authority_accepts_a_current_certificate_so_the_expiry_is_what_refuses()
    {
        using var current = Issue("CN=sensor-new", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var broker = await ListenerHarness.StartAsync(Listener(identityAsUserName: false));

        var (connected, _, error) = await ListenerHarness.ConnectOverTlsAsync(broker.Port, current);

        Assert.True(connected, $"refused: {error}; log:\n{broker.Log}");
    }

    [Fact]
    public async Task The_certificate_identity_wins_over_a_different_MQTT_user_name_in_CONNECT()
    {
        using var certificate = Issue("CN=sensor-9, O=Example", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string acl = Path.Combine(_directory, "acl");
        await File.WriteAllTextAsync(acl, "user sensor-9\ntopic readwrite sensor-9/#\nuser alice\ntopic readwrite alice/#\n");
        await using var broker = await ListenerHarness.StartAsync(Listener(identityAsUserName: true), o => o.Security.AclFile = acl);

        await using var tls = await TlsMqtt.OpenAsync(broker.Port, certificate);
        await tls.SendAsync(SecuredBroker.Connect("c9", "alice", "alice-password", ProtocolVersion.V500));
        var connack = await tls.ReadPacketAsync();
        Assert.Equal(0x20, connack[0]);
        Assert.Equal(0x00, connack[3]);

        // Authenticated as the CN: alice's topics are denied although CONNECT said "alice", the CN's are granted.
        await tls.SendAsync(Packets.Subscribe(1, "alice/#", QualityOfService.AtMostOnce, ProtocolVersion.V500));
        var denied = await tls.ReadPacketAsync();
        await tls.SendAsync(Packets.Subscribe(2, "sensor-9/#", QualityOfService.AtMostOnce, ProtocolVersion.V500));
        var granted = await tls.ReadPacketAsync();
        Assert.Equal(0x87, denied[^1]);
        Assert.Equal(0x00, granted[^1]);
    }

    [Theory]
    [InlineData(ProtocolVersion.V500, 0x87)]
    [InlineData(ProtocolVersion.V311, 0x05)]
    public async Task A_certificate_without_a_common_name_is_refused_when_the_identity_is_the_user_name(ProtocolVersion version, byte expected)
    {
        using var certificate = Issue("O=Example, OU=No common name", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var broker = await ListenerHarness.StartAsync(Listener(identityAsUserName: true));

        await using var tls = await TlsMqtt.OpenAsync(broker.Port, certificate);
        await tls.SendAsync(SecuredBroker.Connect("nocn", "alice", "pw", version));
        var connack = await tls.ReadPacketAsync();

        Assert.Equal(0x20, connack[0]);
        Assert.Equal(expected, connack[3]);
        await broker.WaitForLogAsync(l => l.Contains("no common name", StringComparison.Ordinal), "the refusal's reason");
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private MqttListenerOptions Listener(bool identityAsUserName)
    {
        string caFile = Path.Combine(_directory, "own-ca.pem");
        File.WriteAllText(caFile, _authority.ExportCertificatePem());
        var listener = ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required);
        listener.Tls.CaFile = caFile;
        listener.Tls.UseCertificateIdentityAsUserName = identityAsUserName;
        return listener;
    }

    private static X509Certificate2 CreateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Tern gaps CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-30), now.AddDays(30));
    }

    private X509Certificate2 Issue(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        using var issued = request.Create(_authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}

/// <summary>An MQTT byte stream over TLS to the broker (the raw counterpart of <see cref="RawMqttConnection"/>).</summary>
internal sealed class TlsMqtt : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;

    private TlsMqtt(TcpClient tcp, SslStream ssl)
    {
        _tcp = tcp;
        _ssl = ssl;
    }

    public static async Task<TlsMqtt> OpenAsync(int port, X509Certificate2? clientCertificate)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port).WaitAsync(Timeouts.Default);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }).WaitAsync(Timeouts.Default);
        return new TlsMqtt(tcp, ssl);
    }

    public async Task SendAsync(byte[] bytes) => await _ssl.WriteAsync(bytes).AsTask().WaitAsync(Timeouts.Default);

    /// <summary>Reads one whole MQTT packet (fixed header, variable-length remaining length, body).</summary>
    public async Task<byte[]> ReadPacketAsync()
    {
        var header = new List<byte>();
        var one = new byte[1];
        int length = 0;
        int multiplier = 1;
        await ReadExactAsync(one);
        header.Add(one[0]);
        do
        {
            await ReadExactAsync(one);
            header.Add(one[0]);
            length += (one[0] & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((one[0] & 0x80) != 0);

        var body = new byte[length];
        await ReadExactAsync(body);
        return [.. header, .. body];
    }

    public async ValueTask DisposeAsync()
    {
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task ReadExactAsync(byte[] buffer) =>
        await _ssl.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeouts.Default);
}
