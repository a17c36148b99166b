// The seed's three MQTT.js programs (an MQTT quick-start course, lesson 4) in C# with Tern.Client, printing the same
// lines. The broker URL and client identifier come from the command line (or MQTT_URL / MQTT_CLIENT_ID) instead of a
// public broker, so each run can have its own:
//   dotnet run --project samples/SeedScenarios -- persistent_connection mqtt://127.0.0.1:1883 mqtt_sample_id_1
//   dotnet run --project samples/SeedScenarios -- non_persistent_connection mqtt://127.0.0.1:1883
//   dotnet run --project samples/SeedScenarios -- identical mqtt://127.0.0.1:1883      (run two of these)
using SeedScenarios;

string scenario = args.Length > 0 ? args[0] : string.Empty;
var url = new Uri(args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("MQTT_URL") ?? "mqtt://127.0.0.1:1883");
string? clientId = args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("MQTT_CLIENT_ID");
return scenario switch
{
    "persistent_connection" => await PersistentConnection.RunAsync(url, clientId ?? "mqtt_sample_id_1", clean: false),
    "non_persistent_connection" => await PersistentConnection.RunAsync(url, clientId ?? "mqtt_sample_id_1", clean: true),
    "identical" => await Identical.RunAsync(url, clientId ?? "mqtt_identical_1"),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: seed-scenarios persistent_connection|non_persistent_connection|identical [mqtt://host:port] [client id]");
    return 2;
}
