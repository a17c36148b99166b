using System.Globalization;
using Tern.TestKit.Processes;

namespace Tern.Cli.Tests;

/// <summary>A <c>tern broker</c> process with its MQTT and HTTP listeners on free ports and the admin API key set through the environment.</summary>
internal sealed class OperationsProcess : IAsyncDisposable
{
    public const string ApiKey = "cli-test-key-0123456789";

    private OperationsProcess(ChildProcess process, int mqttPort, string url)
    {
        Process = process;
        MqttPort = mqttPort;
        Url = url;
    }

    public ChildProcess Process { get; }

    public int MqttPort { get; }

    /// <summary>http://127.0.0.1:PORT of the HTTP listener.</summary>
    public string Url { get; }

    /// <summary>Starts the broker; standard error (the log) is merged into the lines the test reads.</summary>
    public static async Task<OperationsProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, params string[] arguments)
    {
        var variables = new Dictionary<string, string> { ["TERN_HTTP__APIKEY"] = ApiKey };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        var process = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "tern.dll"), "broker", "--port", "0", .. arguments], variables, mergeStandardError: true);
        try
        {
            string mqtt = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the MQTT listening line", TernProcess.Timeout);
            string http = await process.ExpectLineAsync(l => l.StartsWith("listening on http://", StringComparison.Ordinal), "the HTTP listening line", TernProcess.Timeout);
            return new OperationsProcess(process, int.Parse(mqtt[(mqtt.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture), http["listening on ".Length..]);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>tern ctl ARGS --url URL --api-key KEY</c> to its end.</summary>
    public Task<ProcessResult> CtlAsync(params string[] arguments) =>
        TernProcess.RunAsync(["ctl", .. arguments, "--url", Url, "--api-key", ApiKey]);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
