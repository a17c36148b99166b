using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Tests.Operations;

public sealed class AdminApiTests
{
    [Fact]
    public async Task Clients_lists_every_connected_client_with_address_protocol_keep_alive_queue_and_listener()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var v3 = await broker.ConnectAsync(Packets.Connect("api-v3", keepAlive: 30));
        await using var v5 = await broker.ConnectAsync(Packets.Connect("api-v5", ProtocolVersion.V500, keepAlive: 45, sessionExpiry: 120));

        var clients = await http.GetJsonAsync("/api/v1/clients");

        Assert.Equal(2, clients.GetArrayLength());
        var first = clients[0];
        Assert.Equal("api-v3", first.GetProperty("clientId").GetString());
        Assert.Equal("3.1.1", first.GetProperty("protocolVersion").GetString());
        Assert.Equal(30, first.GetProperty("keepAlive").GetInt32());
        Assert.StartsWith("127.0.0.1:", first.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, first.GetProperty("queued").GetInt32());
        Assert.Equal(0, first.GetProperty("inflight").GetInt32());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("listener").GetString()));
        Assert.True(first.GetProperty("connectedSince").GetDateTimeOffset() <= DateTimeOffset.UtcNow.AddSeconds(1));
        var second = clients[1];
        Assert.Equal("5.0", second.GetProperty("protocolVersion").GetString());
        Assert.Equal(120u, second.GetProperty("sessionExpiryInterval").GetUInt32());

        var one = await http.GetJsonAsync("/api/v1/clients/api-v5");
        Assert.Equal(45, one.GetProperty("keepAlive").GetInt32());
    }

    [Fact]
    public async Task An_unknown_client_is_404_with_a_message()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();

        using var get = await http.GetAsync(new Uri("/api/v1/clients/nobody", UriKind.Relative));
        using var delete = await http.DeleteAsync(new Uri("/api/v1/clients/nobody", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Contains("no client 'nobody' is connected", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task Kicking_a_5_0_client_sends_DISCONNECT_0x98_and_publishes_its_will_MQTT_3_1_2_8()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var watcher = await broker.ConnectAsync(Packets.Connect("kick-watch"));
        await watcher.SendAsync(Packets.Subscribe(1, "wills/#", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var victim = await broker.ConnectAsync(Packets.Connect("kick-v5", ProtocolVersion.V500, willTopic: "wills/kick-v5", willPayload: "gone"));

        using var response = await http.DeleteAsync(new Uri("/api/v1/clients/kick-v5", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await Expect.DisconnectAsync(victim, ReasonCode.AdministrativeAction);
        await victim.ExpectClosedAsync(Timeouts.Default);
        var will = Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default));
        Assert.Equal("wills/kick-v5", will.Topic);
        Assert.Contains("disconnected by an administrator", broker.Log, StringComparison.Ordinal);
        Assert.Contains("An administrator (api key) disconnected client kick-v5", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kicking_a_3_1_1_client_closes_its_connection()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var victim = await broker.ConnectAsync(Packets.Connect("kick-v3"));

        using var response = await http.DeleteAsync(new Uri("/api/v1/clients/kick-v3", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await victim.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Sessions_lists_offline_persistent_sessions_and_delete_ends_one_and_disconnects_it()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using (var offline = await broker.ConnectAsync(Packets.Connect("persist-1", clean: false)))
        {
            await offline.SendAsync(Packets.Subscribe(1, "jobs/#", QualityOfService.AtLeastOnce));
            await offline.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await offline.SendAsync(Packets.Disconnect);
            await offline.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("persist-1");
        await using var online = await broker.ConnectAsync(Packets.Connect("persist-2", ProtocolVersion.V500, sessionExpiry: 3600));

        var sessions = await http.GetJsonAsync("/api/v1/sessions");
        Assert.Equal(2, sessions.GetArrayLength());
        Assert.False(sessions[0].GetProperty("connected").GetBoolean());
        Assert.Equal(1, sessions[0].GetProperty("subscriptions").GetInt32());
        Assert.True(sessions[1].GetProperty("connected").GetBoolean());

        using var deleteOffline = await http.DeleteAsync(new Uri("/api/v1/sessions/persist-1", UriKind.Relative));
        using var deleteOnline = await http.DeleteAsync(new Uri("/api/v1/sessions/persist-2", UriKind.Relative));
        using var deleteAgain = await http.DeleteAsync(new Uri("/api/v1/sessions/persist-1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, deleteOffline.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleteOnline.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        await Expect.DisconnectAsync(online, ReasonCode.AdministrativeAction);
        Assert.Equal(0, broker.Broker.Engine.Tree.Count);
        Assert.DoesNotContain(broker.Broker.Engine.Sessions.GetAll(), s => s.ClientId == "persist-1");
    }

    [Fact]
    public async Task Subscriptions_lists_each_filter_with_its_client_and_qos()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var client = await broker.ConnectAsync(Packets.Connect("subs-1"));
        await client.SendAsync(Packets.Subscribe(1, "a/+", QualityOfService.ExactlyOnce));
        await client.ExpectAsync("90 03 00 01 02", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "b/#", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 02 00", Timeouts.Default);

        var subscriptions = await http.GetJsonAsync("/api/v1/subscriptions");

        Assert.Equal(
            ["subs-1 a/+ 2", "subs-1 b/# 0"],
            subscriptions.EnumerateArray().Select(s => $"{s.GetProperty("clientId").GetString()} {s.GetProperty("filter").GetString()} {s.GetProperty("qos").GetInt32()}"));
    }

    [Fact]
    public async Task Subscriptions_show_the_MQTT_5_subscription_options_and_identifier()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var client = await broker.ConnectAsync(Packets.Connect("subs-5", ProtocolVersion.V500));
        await client.SendAsync(Packets.Subscribe(1, "c/#", new SubscriptionOptions(QualityOfService.AtLeastOnce, NoLocal: true, RetainAsPublished: true, RetainHandling.DoNotSend), subscriptionIdentifier: 7));
        await client.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);

        var subscription = Assert.Single((await http.GetJsonAsync("/api/v1/subscriptions")).EnumerateArray());

        Assert.Equal("c/#", subscription.GetProperty("filter").GetString());
        Assert.Equal(1, subscription.GetProperty("qos").GetInt32());
        Assert.True(subscription.GetProperty("noLocal").GetBoolean());
        Assert.True(subscription.GetProperty("retainAsPublished").GetBoolean());
        Assert.Equal(2, subscription.GetProperty("retainHandling").GetInt32());
        Assert.Equal(7, subscription.GetProperty("subscriptionIdentifier").GetInt32());
    }

    [Fact]
    public async Task Publish_delivers_to_subscribers_and_a_retained_publish_is_listed_filtered_and_deleted()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("pub-sub"));
        await subscriber.SendAsync(Packets.Subscribe(1, "plant/#", QualityOfService.AtMostOnce));
        await subscriber.ExpectAsync("90 03 00 01 00", Timeouts.Default);

        using var text = await http.PostAsync(new Uri("/api/v1/publish", UriKind.Relative), Body("""{"topic":"plant/a/state","payload":"on","qos":0,"retain":true}"""));
        using var binary = await http.PostAsync(new Uri("/api/v1/publish", UriKind.Relative), Body("""{"topic":"plant/b/raw","payloadBase64":"AP8=","retain":true}"""));

        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await text.Content.ReadAsStringAsync()).RootElement.GetProperty("deliveries").GetInt32());
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        var delivered = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(("plant/a/state", "on"), (delivered.Topic, delivered.Payload));
        await subscriber.ReadPacketAsync(Timeouts.Default);

        var all = await http.GetJsonAsync("/api/v1/retained");
        Assert.Equal(2, all.GetArrayLength());
        Assert.Equal("on", all[0].GetProperty("payload").GetString());
        Assert.Equal("AP8=", all[1].GetProperty("payloadBase64").GetString());
        var filtered = await http.GetJsonAsync("/api/v1/retained?filter=" + Uri.EscapeDataString("plant/a/#"));
        Assert.Equal("plant/a/state", Assert.Single(filtered.EnumerateArray()).GetProperty("topic").GetString());

        using var deleted = await http.DeleteAsync(new Uri("/api/v1/retained/" + Uri.EscapeDataString("plant/a/state"), UriKind.Relative));
        using var again = await http.DeleteAsync(new Uri("/api/v1/retained/plant/a/state", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(1, broker.Broker.Engine.Retained.Count);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"payload":"x"}""", "topic is required")]
    [InlineData("""{"topic":"a/#","payload":"x"}""", "must not contain '+', '#'")]
    [InlineData("""{"topic":"a","qos":3}""", "qos must be between 0 and 2")]
    [InlineData("""{"topic":"a","payloadBase64":"%%%"}""", "payloadBase64 is not base64")]
    [InlineData("""{"topic":"a","payload":"x","payloadBase64":"AA=="}""", "not both")]
    [InlineData("null", "must be a JSON object")]
    public async Task A_bad_publish_request_is_400_with_the_problem(string body, string expected)
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();

        using var response = await http.PostAsync(new Uri("/api/v1/publish", UriKind.Relative), Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    public async Task Without_the_right_key_every_endpoint_is_401_and_the_key_is_never_logged(string? key)
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http(apiKey: key);

        using var list = await http.GetAsync(new Uri("/api/v1/clients", UriKind.Relative));
        using var publish = await http.PostAsync(new Uri("/api/v1/publish", UriKind.Relative), Body("""{"topic":"a","payload":"x"}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, publish.StatusCode);
        Assert.Contains("Bearer", list.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("Admin API request from 127.0.0.1 refused", broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(OperationsBroker.ApiKey, broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-key-0123456789abcdef", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_is_accepted_in_an_X_API_Key_header()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http(apiKey: null);
        http.DefaultRequestHeaders.Add("X-API-Key", OperationsBroker.ApiKey);

        using var response = await http.GetAsync(new Uri("/api/v1/sessions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_admin_user_of_the_password_file_signs_in_with_basic_authentication_and_other_users_do_not()
    {
        using var file = new AdminPasswordFile(PasswordFile.CreateEntry("ops", "s3cret-ops"u8, 4096, 4096), PasswordFile.CreateEntry("sensor", "s3cret-sensor"u8, 4096, 4096));
        await using var broker = await file.StartBrokerAsync();
        using var http = broker.Http(apiKey: null);

        Assert.Equal(HttpStatusCode.OK, await StatusWithBasicAsync(http, "ops", "s3cret-ops"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithBasicAsync(http, "ops", "wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithBasicAsync(http, "sensor", "s3cret-sensor"));
        Assert.DoesNotContain("s3cret", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_admin_password_takes_effect_at_the_next_request_although_good_credentials_are_remembered()
    {
        using var file = new AdminPasswordFile(PasswordFile.CreateEntry("ops", "first-pass"u8, 4096, 4096));
        await using var broker = await file.StartBrokerAsync();
        using var http = broker.Http(apiKey: null);
        Assert.Equal(HttpStatusCode.OK, await StatusWithBasicAsync(http, "ops", "first-pass"));
        Assert.Equal(HttpStatusCode.OK, await StatusWithBasicAsync(http, "ops", "first-pass"));

        file.Write(PasswordFile.CreateEntry("ops", "second-pass"u8, 4096, 4096));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithBasicAsync(http, "ops", "first-pass"));
        Assert.Equal(HttpStatusCode.OK, await StatusWithBasicAsync(http, "ops", "second-pass"));

        file.Write(PasswordFile.CreateEntry("someone", "x"u8, 4096, 4096));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithBasicAsync(http, "ops", "second-pass"));
    }

    [Fact]
    public async Task Without_a_key_or_admin_user_the_admin_api_is_off_and_says_how_to_turn_it_on()
    {
        await using var broker = await OperationsBroker.StartAsync(o => o.Http.ApiKey = null);
        using var http = broker.Http(apiKey: null);

        using var response = await http.GetAsync(new Uri("/api/v1/clients", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Http.ApiKey", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_endpoint_is_404()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http();

        using var response = await http.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no such endpoint", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, "Http.Port")]
    [InlineData(70000, "Http.Port")]
    public async Task Bad_http_settings_fail_the_start_with_the_setting_named(int port, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => OperationsBroker.StartAsync(o => o.Http.Port = port));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_api_key_and_admin_users_without_a_password_file_are_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => OperationsBroker.StartAsync(o =>
        {
            o.Http.ApiKey = "short";
            o.Http.AdminUsers = ["ops"];
        }));

        Assert.Contains("at least 16 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("Http.AdminUsers needs Security.PasswordFile", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> StatusWithBasicAsync(HttpClient http, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/clients", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>A password file in a temporary path for the admin API's Basic authentication, with "ops" as the admin user.</summary>
internal sealed class AdminPasswordFile : IDisposable
{
    public AdminPasswordFile(params string[] entries) => Write(entries);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tern-admin-{Guid.NewGuid():N}.passwd");

    public void Write(params string[] entries) => File.WriteAllText(Path, string.Join("\n", entries) + "\n");

    public Task<Tern.TestKit.TernBroker> StartBrokerAsync() => OperationsBroker.StartAsync(o =>
    {
        o.Http.ApiKey = null;
        o.Http.AdminUsers = ["ops"];
        o.Security.PasswordFile = Path;
    });

    public void Dispose() => File.Delete(Path);
}
