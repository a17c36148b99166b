using Tern.Interop.Tests.Support;
using Tern.TestKit;

namespace Tern.Interop.Tests.TestKit;

public sealed class MosquittoBrokerTests
{
    [Fact]
    public async Task Two_brokers_start_side_by_side_each_on_its_own_free_port_and_log_what_they_do()
    {
        await using var first = await MosquittoBroker.StartAsync();
        await using var second = await MosquittoBroker.StartAsync();

        Assert.NotEqual(first.Port, second.Port);
        await using var connection = await RawMqttConnection.ConnectAsync(second);
        await connection.SendAsync(Mqtt311.Connect(Unique.ClientId("log")));
        await connection.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
        Assert.Contains(" running", second.Log, StringComparison.Ordinal);
        await second.ExpectLogLineAsync(l => l.Contains("New client connected", StringComparison.Ordinal), "mosquitto's connection line", Timeouts.Event);
    }

    [Theory]
    [InlineData(true, Mqtt311.ConnAckSessionPresent)]
    [InlineData(false, Mqtt311.ConnAckAccepted)]
    public async Task A_durable_session_survives_a_restart_only_with_persistence(bool persistence, string connAckAfterRestart)
    {
        await using var broker = await MosquittoBroker.StartAsync(new BrokerSettings { Persistence = persistence });
        string connect = Mqtt311.Connect(Unique.ClientId("durable"), cleanSession: false);
        await using (var before = await RawMqttConnection.ConnectAsync(broker))
        {
            await before.SendAsync(connect);
            await before.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
            await before.SendAsync(Mqtt311.Disconnect);
            await before.ExpectClosedAsync(Timeouts.Event);
        }

        await broker.RestartAsync();

        await using var after = await RawMqttConnection.ConnectAsync(broker);
        await after.SendAsync(connect);
        await after.ExpectAsync(connAckAfterRestart, Timeouts.Event);
    }
}
