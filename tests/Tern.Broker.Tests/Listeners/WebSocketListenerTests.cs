using System.Net;
using System.Net.WebSockets;
using Tern.Client;
using Tern.TestKit;
using Tern.TestKit.Tls;
using Timeouts = Tern.Broker.Tests.Support.Timeouts;

namespace Tern.Broker.Tests.Listeners;

public sealed class WebSocketListenerTests(CertificatesFixture fixture) : IClassFixture<CertificatesFixture>
{
    // CONNECT 3.1.1, client id "ws", clean session; SUBSCRIBE id 1 to "a/b" QoS 0; their answers.
    private const string Connect = "100E00044D5154540402003C00027773";
    private const string Subscribe = "820800010003612F6200";
    private const string ConnAck = "20020000";
    private const string SubAck = "9003000100";

    private readonly TestCertificates _certificates = fixture.Certificates;

    private static MqttListenerOptions Ws(string path = "/mqtt") => new() { Name = "web", Protocol = ListenerProtocol.Ws, Path = path };

    private MqttListenerOptions Wss() => new()
    {
        Name = "secure-web",
        Protocol = ListenerProtocol.Wss,
        Tls = new ListenerTlsOptions { CertificateFile = _certificates.ServerCertificateFile, KeyFile = _certificates.ServerKeyFile },
    };

    [Fact]
    public async Task Messages_flow_over_ws_with_the_Tern_client()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        await ListenerHarness.RoundTripAsync(WebSocketClient(new Uri($"ws://127.0.0.1:{broker.Port}/mqtt")));
    }

    [Fact]
    public async Task Messages_flow_over_wss_with_the_Tern_client()
    {
        await using var broker = await ListenerHarness.StartAsync(Wss());
        var options = WebSocketClient(new Uri($"wss://localhost:{broker.Port}/mqtt")) with
        {
            Tls = new MqttTlsOptions { TrustedCertificateAuthorities = [_certificates.Authority] },
        };
        await ListenerHarness.RoundTripAsync(options);
    }

    [Fact]
    public async Task The_connection_knows_its_listener_and_the_remote_end_point()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        var options = WebSocketClient(new Uri($"ws://127.0.0.1:{broker.Port}/mqtt"));
        await using var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(Timeouts.Default);
        var connection = broker.ConnectionOf(options.ClientId);
        Assert.Equal("web", connection.Listener.DisplayName);
        Assert.Equal(IPAddress.Loopback, Assert.IsType<IPEndPoint>(connection.PeerEndPoint).Address);
        Assert.StartsWith("127.0.0.1:", connection.RemoteEndPoint, StringComparison.Ordinal);
        Assert.Null(connection.ClientCertificate);
    }

    [Fact]
    public async Task The_broker_selects_the_mqtt_subprotocol()
    {
        // [MQTT-6.0.0-4]: the server selects "mqtt" from the client's list.
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqtt");
        Assert.Equal("mqtt", socket.SubProtocol);
    }

    [Fact]
    public async Task The_older_mqttv3_1_subprotocol_is_accepted()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqttv3.1");
        Assert.Equal("mqttv3.1", socket.SubProtocol);
        await socket.SendAsync(Hex.Bytes(Connect), WebSocketMessageType.Binary, true, default);
        Assert.Equal(ConnAck, await ReceiveHexAsync(socket, 4));
    }

    [Fact]
    public async Task A_packet_split_across_WebSocket_frames_is_reassembled()
    {
        // [MQTT-6.0.0-2]: packets need not be aligned on frame boundaries. Here the CONNECT arrives in three frames
        // of one message and then two more messages, cut in the middle of the fixed header and of the payload.
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqtt");
        byte[] connect = Hex.Bytes(Connect);
        await socket.SendAsync(connect.AsMemory(0, 1), WebSocketMessageType.Binary, endOfMessage: false, default);
        await socket.SendAsync(connect.AsMemory(1, 5), WebSocketMessageType.Binary, endOfMessage: false, default);
        await socket.SendAsync(connect.AsMemory(6, 4), WebSocketMessageType.Binary, endOfMessage: true, default);
        await socket.SendAsync(connect.AsMemory(10, 5), WebSocketMessageType.Binary, endOfMessage: true, default);
        await socket.SendAsync(connect.AsMemory(15), WebSocketMessageType.Binary, endOfMessage: true, default);
        Assert.Equal(ConnAck, await ReceiveHexAsync(socket, 4));
    }

    [Fact]
    public async Task Two_packets_in_one_WebSocket_frame_are_both_processed()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqtt");
        await socket.SendAsync(Hex.Bytes(Connect + Subscribe), WebSocketMessageType.Binary, endOfMessage: true, default);
        Assert.Equal(ConnAck + SubAck, await ReceiveHexAsync(socket, 9));
    }

    [Fact]
    public async Task A_text_frame_closes_the_connection()
    {
        // [MQTT-6.0.0-1]: MQTT travels in binary frames; any other data frame closes the network connection.
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqtt");
        await socket.SendAsync(Hex.Bytes(Connect), WebSocketMessageType.Binary, true, default);
        Assert.Equal(ConnAck, await ReceiveHexAsync(socket, 4));
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, default);

        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer.AsMemory(), default).AsTask().WaitAsync(Timeouts.Default);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, socket.CloseStatus);
        await broker.WaitForLogAsync(l => l.Contains("[4103]", StringComparison.Ordinal) && l.Contains("on listener web sent a text frame", StringComparison.Ordinal), "the text frame");
    }

    [Fact]
    public async Task A_client_that_disconnects_gets_a_close_frame()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = await OpenAsync(broker.Port, "/mqtt", "mqtt");
        await socket.SendAsync(Hex.Bytes(Connect + "E000"), WebSocketMessageType.Binary, true, default);
        Assert.Equal(ConnAck, await ReceiveHexAsync(socket, 4));
        var result = await socket.ReceiveAsync(new byte[16].AsMemory(), default).AsTask().WaitAsync(Timeouts.Default);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task A_wrong_path_gets_404()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{broker.Port}/other")).WaitAsync(Timeouts.Default);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var error = await Assert.ThrowsAsync<WebSocketException>(() => OpenAsync(broker.Port, "/other", "mqtt"));
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        await broker.WaitForLogAsync(l => l.Contains("[4102]", StringComparison.Ordinal) && l.Contains("for /other refused with 404", StringComparison.Ordinal), "the refused path");
    }

    [Fact]
    public async Task A_configured_path_is_served_and_the_default_path_is_not()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws("/brokers/tern"));
        using var socket = await OpenAsync(broker.Port, "/brokers/tern", "mqtt");
        Assert.Equal(WebSocketState.Open, socket.State);
        await Assert.ThrowsAsync<WebSocketException>(() => OpenAsync(broker.Port, "/mqtt", "mqtt"));
    }

    [Fact]
    public async Task A_WebSocket_without_the_mqtt_subprotocol_gets_400()
    {
        // [MQTT-6.0.0-3]: the client must offer "mqtt"; without it the upgrade is refused.
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("chat");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{broker.Port}/mqtt"), default).WaitAsync(Timeouts.Default));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task A_plain_HTTP_request_on_the_path_gets_426()
    {
        await using var broker = await ListenerHarness.StartAsync(Ws());
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{broker.Port}/mqtt")).WaitAsync(Timeouts.Default);
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task Every_listener_kind_runs_side_by_side_and_reports_its_url()
    {
        var listeners = new List<MqttListenerOptions>
        {
            new() { Bind = "127.0.0.1", Port = 0 },
            new() { Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Mqtts, Tls = Wss().Tls },
            new() { Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Ws },
            new() { Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Wss, Tls = Wss().Tls, Path = "/secure" },
        };
        await using var broker = await TernBroker.StartAsync(o => o.Listeners = listeners);
        var urls = broker.Broker.Listeners.Select(l => l.Url).ToList();
        var ports = broker.Broker.Endpoints.Select(e => e.Port).ToList();
        Assert.Equal(
            [$"mqtt://127.0.0.1:{ports[0]}", $"mqtts://127.0.0.1:{ports[1]}", $"ws://127.0.0.1:{ports[2]}/mqtt", $"wss://127.0.0.1:{ports[3]}/secure"],
            urls);
        foreach (var url in urls)
        {
            Assert.Contains($"[3000] listening on {url}", broker.Log, StringComparison.Ordinal);
        }

        // The plain listener still speaks plain MQTT, and the ws listener's HTTP does not leak onto the others.
        await using var raw = await broker.ConnectRawAsync();
        await raw.SendAsync(Connect);
        await raw.ExpectAsync(ConnAck, Timeouts.Default);
        using var secure = await OpenAsync(ports[3], "/secure", "mqtt", secure: true);
        Assert.Equal(WebSocketState.Open, secure.State);
    }

    private static MqttClientOptions WebSocketClient(Uri uri) => MqttClientOptions.Default with
    {
        WebSocketUri = uri,
        ClientId = "ws-" + Guid.NewGuid().ToString("N")[..12],
        Reconnect = new MqttReconnectOptions { Enabled = false },
    };

    private static async Task<ClientWebSocket> OpenAsync(int port, string path, string subProtocol, bool secure = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(subProtocol);
        if (secure)
        {
            socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        try
        {
            await socket.ConnectAsync(new Uri($"{(secure ? "wss" : "ws")}://127.0.0.1:{port}{path}"), default).WaitAsync(Timeouts.Default);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes, across as many frames as they come in.</summary>
    private static async Task<string> ReceiveHexAsync(ClientWebSocket socket, int count)
    {
        var buffer = new byte[count];
        int received = 0;
        while (received < count)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(received), default).AsTask().WaitAsync(Timeouts.Default);
            Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
            received += result.Count;
        }

        return Convert.ToHexString(buffer);
    }
}
