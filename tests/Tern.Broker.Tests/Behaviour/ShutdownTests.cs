using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_broker_sends_50_clients_disconnect_0x8B_and_closes_311_clients()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var v5 = await broker.ConnectAsync(Packets.Connect("stop-5", ProtocolVersion.V500));
        await using var v311 = await broker.ConnectAsync(Packets.Connect("stop-311"));

        var stopping = broker.Broker.StopAsync();

        await v5.ExpectAsync("E0 01 8B", Timeouts.Default);
        await v5.ExpectClosedAsync(Timeouts.Default);
        await v311.ExpectClosedAsync(Timeouts.Default);
        await stopping.WaitAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Invalid_options_are_refused_with_every_problem_named()
    {
        var options = new BrokerOptions { MaxInflightMessages = 0, ConnectTimeout = TimeSpan.Zero };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => MqttBroker.StartAsync(options));

        Assert.Contains("MaxInflightMessages", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectTimeout", error.Message, StringComparison.Ordinal);
    }
}
