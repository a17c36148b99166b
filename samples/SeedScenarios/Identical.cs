using Tern.Client;

namespace SeedScenarios;

/// <summary>
/// identical.js: stay connected, print every CONNACK and every time the client goes offline. Run two with the same
/// client identifier and the broker closes the older connection each time the other connects; both reconnect, so both
/// print <c>return code: 0, sessionPresent: false</c> / <c>client went offline</c> again and again. Ctrl+C ends it.
/// MQTT_RECONNECT_PERIOD_MS sets the first reconnect delay (1000 ms by default, as MQTT.js).
/// </summary>
internal static class Identical
{
    public static async Task<int> RunAsync(Uri url, string clientId)
    {
        var delay = TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("MQTT_RECONNECT_PERIOD_MS"), out int ms) ? ms : 1000);
        await using var client = new MqttClient(MqttClientOptions.Default with
        {
            Host = url.Host,
            Port = url.IsDefaultPort ? 1883 : url.Port,
            ClientId = clientId,
            Reconnect = new MqttReconnectOptions { InitialDelay = delay },
        });
        client.Connected += (_, e) => Console.WriteLine($"return code: {(int)e.Result.ReturnCode}, sessionPresent: {(e.Result.SessionPresent ? "true" : "false")}");
        client.Disconnected += (_, e) =>
        {
            if (e.Reason != MqttDisconnectReason.ClientDisconnected)
            {
                Console.WriteLine("client went offline");
            }
        };

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            await client.ConnectAsync(stop.Token);
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (MqttClientException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C.
        }

        return 0;
    }
}
