using System.Text.Json;
using Tern.TestKit;

namespace Tern.Cli.Tests;

public class CtlCommandTests
{
    private const string Connect311 = "10 12 00 04 'MQTT' 04 02 00 3C 00 06 'ctl-c1'";

    [Fact]
    public async Task Ctl_clients_lists_a_connected_client_as_a_table_and_as_json()
    {
        await using var broker = await OperationsProcess.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", broker.MqttPort);
        await client.SendAsync(Connect311);
        await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);

        var table = await broker.CtlAsync("clients");
        var json = await broker.CtlAsync("clients", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.StartsWith("CLIENT ID", table.Output[0], StringComparison.Ordinal);
        Assert.Contains(table.Output, l => l.StartsWith("ctl-c1 ", StringComparison.Ordinal) && l.Contains("3.1.1", StringComparison.Ordinal));
        Assert.Equal(0, json.ExitCode);
        var clients = JsonDocument.Parse(string.Join('\n', json.Output)).RootElement;
        Assert.Equal("ctl-c1", clients[0].GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task Ctl_client_shows_one_client_and_ctl_kick_disconnects_it()
    {
        await using var broker = await OperationsProcess.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", broker.MqttPort);
        await client.SendAsync(Connect311);
        await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);

        var one = await broker.CtlAsync("client", "ctl-c1");
        var kick = await broker.CtlAsync("kick", "ctl-c1");

        Assert.Equal(0, one.ExitCode);
        Assert.Contains(one.Output, l => l.StartsWith("keepAlive:", StringComparison.Ordinal) && l.EndsWith("60", StringComparison.Ordinal));
        Assert.Equal(0, kick.ExitCode);
        Assert.Equal("disconnected ctl-c1", Assert.Single(kick.Output));
        await client.ExpectClosedAsync(TernProcess.Timeout);
    }

    [Fact]
    public async Task Ctl_sessions_subscriptions_retained_and_reload_answer()
    {
        await using var broker = await OperationsProcess.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", broker.MqttPort);
        await client.SendAsync(Connect311);
        await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);
        await client.SendAsync("82 0A 00 01 00 05 'ctl/#' 01");
        await client.ExpectAsync("90 03 00 01 01", TernProcess.Timeout);
        await client.SendAsync("31 09 00 05 'ctl/a' 'on'");
        await client.ReadPacketAsync(TernProcess.Timeout);

        var sessions = await broker.CtlAsync("sessions");
        var subscriptions = await broker.CtlAsync("subscriptions");
        var retained = await broker.CtlAsync("retained", "--filter", "ctl/#");
        var reload = await broker.CtlAsync("reload");

        Assert.Contains(sessions.Output, l => l.StartsWith("ctl-c1 ", StringComparison.Ordinal));
        Assert.Contains(subscriptions.Output, l => l.StartsWith("ctl-c1 ", StringComparison.Ordinal) && l.Contains("ctl/#", StringComparison.Ordinal));
        Assert.Contains(retained.Output, l => l.StartsWith("ctl/a ", StringComparison.Ordinal) && l.EndsWith("on", StringComparison.Ordinal));
        Assert.Equal(0, reload.ExitCode);
        Assert.Equal("reloaded: limits", Assert.Single(reload.Output));
    }

    [Fact]
    public async Task Kicking_an_unknown_client_prints_one_line_and_exits_with_1()
    {
        await using var broker = await OperationsProcess.StartAsync();

        var result = await broker.CtlAsync("kick", "nobody");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("tern ctl: no client 'nobody' is connected", result.ErrorOutput.Trim());
    }

    [Fact]
    public async Task A_wrong_api_key_prints_unauthorized_and_exits_with_1()
    {
        await using var broker = await OperationsProcess.StartAsync();

        var result = await TernProcess.RunAsync("ctl", "clients", "--url", broker.Url, "--api-key", "wrong-key-0123456789");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("tern ctl: unauthorized (401): check --api-key (or TERN_API_KEY)", result.ErrorOutput.Trim());
    }

    [Fact]
    public async Task The_api_key_can_come_from_TERN_API_KEY()
    {
        await using var broker = await OperationsProcess.StartAsync();
        await using var ctl = TernProcess.Start(new Dictionary<string, string> { ["TERN_API_KEY"] = OperationsProcess.ApiKey }, "ctl", "sessions", "--url", broker.Url);

        Assert.Equal(0, await ctl.WaitForExitAsync(TernProcess.Timeout));
        Assert.StartsWith("CLIENT ID", ctl.Output[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_prints_cannot_reach_connection_refused_and_exits_with_1()
    {
        string url = $"http://127.0.0.1:{FreePort.OnLoopback()}";

        var result = await TernProcess.RunAsync("ctl", "clients", "--url", url);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tern ctl: cannot reach {url}: connection refused", result.ErrorOutput.Trim());
    }

    [Fact]
    public async Task A_bad_url_is_a_usage_error()
    {
        var result = await TernProcess.RunAsync("ctl", "clients", "--url", "not a url");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not an http:// or https:// URL", result.ErrorOutput, StringComparison.Ordinal);
    }
}
