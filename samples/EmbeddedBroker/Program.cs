// A console application that runs a Tern broker in-process, for tests or an edge gateway.
// Run: dotnet run --project samples/EmbeddedBroker -- 1883
using Tern.Broker;

int port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 0;
var options = new BrokerOptions
{
    Listeners = [new MqttListenerOptions { Bind = "127.0.0.1", Port = port }],
    MaxQueuedMessages = 5000,
};

await using var broker = await MqttBroker.StartAsync(options);
Console.WriteLine($"embedded broker listening on mqtt://{broker.Endpoints[0]}; press Ctrl+C to stop");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
await broker.StopAsync();
