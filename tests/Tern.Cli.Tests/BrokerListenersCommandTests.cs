using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Cli.Tests;

/// <summary><c>tern broker --config</c> with mqtts, ws and wss listeners, as a process.</summary>
public sealed class BrokerListenersCommandTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task A_configuration_with_all_four_listener_kinds_prints_each_url_and_serves_TLS()
    {
        // Protocol names in any case, as the docs' example writes them.
        string config = WriteConfig($$"""
            {
              "Listeners": [
                { "Port": 0 },
                { "Protocol": "mqtts", "Port": 0, "Tls": { "CertificateFile": {{Json(_certificates.ServerCertificateFile)}}, "KeyFile": {{Json(_certificates.ServerKeyFile)}} } },
                { "Protocol": "Ws", "Port": 0 },
                { "Protocol": "WSS", "Port": 0, "Path": "/secure", "Tls": { "CertificateFile": {{Json(_certificates.ServerCertificateFile)}}, "KeyFile": {{Json(_certificates.ServerKeyFile)}},
                  "ClientCertificateMode": "optional", "CaFile": {{Json(_certificates.CaFile)}} } }
              ]
            }
            """);
        await using var process = TernProcess.Start(null, "broker", "--config", config);
        string Line(string scheme) => process.Output.Single(l => l.StartsWith($"listening on {scheme}://127.0.0.1:", StringComparison.Ordinal));
        await process.ExpectLineAsync(l => l.StartsWith("listening on wss://", StringComparison.Ordinal), "the last listening line", TernProcess.Timeout);

        Assert.Matches(@"^listening on mqtt://127\.0\.0\.1:\d+$", Line("mqtt"));
        Assert.Matches(@"^listening on ws://127\.0\.0\.1:\d+/mqtt$", Line("ws"));
        Assert.Matches(@"^listening on wss://127\.0\.0\.1:\d+/secure$", Line("wss"));
        string mqtts = Line("mqtts");
        int port = int.Parse(mqtts[(mqtts.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true });
        Assert.Equal(_certificates.Server.Thumbprint, ssl.RemoteCertificate!.GetCertHashString());
        await ssl.WriteAsync(Hex.Bytes("100D00044D5154540402003C000174"));
        var connack = new byte[4];
        await ssl.ReadExactlyAsync(connack).AsTask().WaitAsync(TernProcess.Timeout);
        Assert.Equal("20020000", Convert.ToHexString(connack));
        process.Kill();
    }

    [Fact]
    public async Task An_mqtts_listener_without_a_certificate_exits_with_code_2_and_says_so()
    {
        var result = await RunAsync("""{ "Listeners": [ { "Name": "tls", "Protocol": "Mqtts", "Port": 0 } ] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tern broker: invalid configuration: Listener 'tls': Tls.CertificateFile is required", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_file_that_does_not_exist_exits_with_code_2_and_names_it()
    {
        var result = await RunAsync("""{ "Listeners": [ { "Name": "tls", "Protocol": "Mqtts", "Port": 0, "Tls": { "CertificateFile": "/nonexistent/server.pem", "KeyFile": "/nonexistent/server.key" } } ] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Listener 'tls': cannot read the certificate '/nonexistent/server.pem'", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_client_certificates_without_a_CA_file_exit_with_code_2()
    {
        var result = await RunAsync($$"""
            { "Listeners": [ { "Name": "mtls", "Protocol": "Mqtts", "Port": 0,
              "Tls": { "CertificateFile": {{Json(_certificates.ServerCertificateFile)}}, "KeyFile": {{Json(_certificates.ServerKeyFile)}}, "ClientCertificateMode": "Required" } } ] }
            """);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Listener 'mtls': Tls.ClientCertificateMode Required needs Tls.CaFile", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_protocol_exits_with_code_2()
    {
        var result = await RunAsync("""{ "Listeners": [ { "Protocol": "quic", "Port": 0 } ] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tern broker: invalid configuration", result.ErrorOutput, StringComparison.Ordinal);
        Assert.Contains("quic", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_path_and_a_duplicate_port_exit_with_code_2_naming_both()
    {
        var result = await RunAsync("""{ "Listeners": [ { "Name": "a", "Port": 18830 }, { "Name": "b", "Protocol": "Ws", "Port": 18830, "Path": "mqtt" } ] }""");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Listener 'b': Path 'mqtt' must start with '/'", result.ErrorOutput, StringComparison.Ordinal);
        Assert.Contains("Listeners 'a' and 'b' both use port 18830.", result.ErrorOutput, StringComparison.Ordinal);
    }

    private static string Json(string value) => JsonSerializer.Serialize(value);

    private string WriteConfig(string json)
    {
        string file = Path.Combine(_certificates.Directory, $"tern-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        return file;
    }

    private Task<Tern.TestKit.Processes.ProcessResult> RunAsync(string json) => TernProcess.RunAsync("broker", "--config", WriteConfig(json));
}
