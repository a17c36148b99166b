using System.Net;
using System.Text.Json;

namespace Tern.Cli.Tests;

public class BrokerOperationsTests
{
    [Fact]
    public async Task With_log_format_json_every_log_line_is_a_json_object_with_an_event_id()
    {
        await using var broker = await OperationsProcess.StartAsync(null, "--log-format", "json");

        // Starting read up to the HTTP listening line, which comes after the log line of event 7000.
        string line = Assert.Single(broker.Process.Output, l => l.StartsWith('{') && l.Contains("\"EventId\":7000", StringComparison.Ordinal));

        var entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal(7000, entry.GetProperty("EventId").GetInt32());
        Assert.All(broker.Process.Output.Where(l => l.StartsWith('{')), l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("EventId", out _), l));
        Assert.Equal("Information", entry.GetProperty("LogLevel").GetString());
        Assert.Equal("Tern.Broker", entry.GetProperty("Category").GetString());
        Assert.StartsWith("listening on http://", entry.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGHUP_reloads_the_configuration_and_logs_the_result()
    {
        await using var broker = await OperationsProcess.StartAsync();

        await TernProcess.SignalAsync(broker.Process.Id, "HUP");

        await broker.Process.ExpectLineAsync(l => l.Contains("Tern.Broker.Reload[7006] Configuration reload requested by SIGHUP", StringComparison.Ordinal), "the reload request line", TernProcess.Timeout);
        await broker.Process.ExpectLineAsync(l => l.Contains("Tern.Broker.Reload[3003] Configuration reloaded", StringComparison.Ordinal), "the reloaded line", TernProcess.Timeout);
        Assert.False(broker.Process.HasExited);
    }

    [Fact]
    public async Task The_http_listener_answers_metrics_and_health_and_takes_a_free_port_when_mqtt_does()
    {
        await using var broker = await OperationsProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(broker.Url), Timeout = TernProcess.Timeout };

        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.NotEqual(18083, new Uri(broker.Url).Port);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("tern_clients_connected", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_http_turns_the_http_listener_off()
    {
        await using var process = TernProcess.Start(null, "broker", "--port", "0", "--no-http");
        await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the MQTT listening line", TernProcess.Timeout);
        process.Kill();
        await process.WaitForExitAsync(TernProcess.Timeout);

        Assert.DoesNotContain(process.Output, l => l.StartsWith("listening on http://", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Levels_per_area_come_from_the_Logging_section_of_the_configuration_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tern-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "Logging": { "LogLevel": { "Tern.Broker": "Warning" } }, "MaxQueuedMessages": 10 }""");
        try
        {
            await using var broker = await OperationsProcess.StartAsync(null, "--config", file);
            await using var client = await Tern.TestKit.RawMqttConnection.ConnectAsync("127.0.0.1", broker.MqttPort);
            await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'c1'");
            await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);
            await TernProcess.SignalAsync(broker.Process.Id, "HUP");

            // Tern.Broker.Reload is under Tern.Broker: the reload lines (Information) are filtered out as well; the
            // broker says nothing until the warning of a refused admin request.
            using var http = new HttpClient { BaseAddress = new Uri(broker.Url) };
            using var refused = await http.GetAsync(new Uri("/api/v1/clients", UriKind.Relative));
            await broker.Process.ExpectLineAsync(l => l.Contains("[7001]", StringComparison.Ordinal), "the refused request warning", TernProcess.Timeout);

            Assert.DoesNotContain(broker.Process.Output, l => l.Contains("[1000]", StringComparison.Ordinal) || l.Contains("[7000]", StringComparison.Ordinal) || l.Contains("[3003]", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
