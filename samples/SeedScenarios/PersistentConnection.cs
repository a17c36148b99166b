using Tern.Client;

namespace SeedScenarios;

/// <summary>
/// persistent_connection.js and non_persistent_connection.js: connect with Clean Session 0 (or 1), print the CONNACK's
/// return code and session-present flag, end. With Clean Session 0 the first run prints
/// <c>return code: 0, sessionPresent: false</c> and every later one <c>... true</c>; with 1, always false.
/// </summary>
internal static class PersistentConnection
{
    public static async Task<int> RunAsync(Uri url, string clientId, bool clean)
    {
        await using var client = new MqttClient(MqttClientOptions.Default with
        {
            Host = url.Host,
            Port = url.IsDefaultPort ? 1883 : url.Port,
            ClientId = clientId,
            CleanStart = clean,
        });

        // The seed prints from its 'connect' handler; so does this.
        client.Connected += (_, e) => Console.WriteLine($"return code: {(int)e.Result.ReturnCode}, sessionPresent: {(e.Result.SessionPresent ? "true" : "false")}");
        try
        {
            await client.ConnectAsync();
        }
        catch (MqttClientException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        await client.DisconnectAsync();
        return 0;
    }
}
