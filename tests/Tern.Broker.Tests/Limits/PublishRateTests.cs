using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Limits;

/// <summary>
/// RELIABILITY C13 (message-rate flood from one client): MaxPublishRatePerClient and MaxPublishBytesRatePerClient apply
/// back-pressure, as EMQX does: the broker stops reading from the client until its token bucket refills, so nothing is
/// refused or lost, in every protocol version, and other clients are not slowed.
/// </summary>
public class PublishRateTests
{
    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Publishes_above_the_message_rate_wait_until_the_bucket_refills(ProtocolVersion version)
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MaxPublishRatePerClient = 5, time);
        await using var bystander = await broker.ConnectAsync(Packets.Connect("rate-bystander", keepAlive: 0));
        await using var client = await broker.ConnectAsync(Packets.Connect("rate-pub", version, keepAlive: 0));
        var burst = Enumerable.Range(1, 8).SelectMany(i => Packets.Publish("rate/t", "m", QualityOfService.AtLeastOnce, (ushort)i, version: version)).ToArray();

        await client.SendAsync(burst);

        for (int i = 1; i <= 5; i++)
        {
            Assert.Equal(0x40, (await client.ReadPacketAsync(Timeouts.Default))[0]);
        }

        await client.ExpectSilenceAsync(Timeouts.Quiet);
        await bystander.ExpectAliveAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 6; i <= 8; i++)
        {
            var ack = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal((0x40, i), (ack[0], (ack[2] << 8) | ack[3]));
        }

        Assert.Equal(1, broker.Count(5008));
        Assert.True(broker.Broker.Engine.Metrics.LimitHits(LimitNames.PublishRate) >= 1);
        Assert.Equal(8, broker.Broker.Engine.Metrics.MessagesReceived);
    }

    [Fact]
    public async Task Publishes_above_the_byte_rate_wait_until_the_debt_is_paid()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MaxPublishBytesRatePerClient = 1000, time);
        await using var client = await broker.ConnectAsync(Packets.Connect("brate-pub", keepAlive: 0));
        var one = Packets.Publish("brate/t", new string('b', 286), QualityOfService.AtLeastOnce, 1);
        Assert.Equal(300, one.Length);
        var burst = Enumerable.Range(1, 6).SelectMany(i => Packets.Publish("brate/t", new string('b', 286), QualityOfService.AtLeastOnce, (ushort)i)).ToArray();

        await client.SendAsync(burst);

        // 1000 bytes of budget: 1000, 700, 400, 100 each leave a token, so four pass and the fifth waits.
        for (int i = 1; i <= 4; i++)
        {
            await client.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
        }

        await client.ExpectSilenceAsync(Timeouts.Quiet);
        time.Advance(TimeSpan.FromSeconds(1));
        await client.ExpectAsync("40 02 00 05", Timeouts.Default);
        await client.ExpectAsync("40 02 00 06", Timeouts.Default);
        Assert.Equal(1, broker.Count(5008));
        Assert.True(broker.Broker.Engine.Metrics.LimitHits(LimitNames.PublishBytesRate) >= 1);
    }

    [Fact]
    public async Task A_client_paused_by_its_rate_still_closes_promptly_on_shutdown()
    {
        var time = new FakeTimeProvider();
        var broker = await TestBroker.StartAsync(o => o.MaxPublishRatePerClient = 1, time);
        await using var client = await broker.ConnectAsync(Packets.Connect("rate-stop", ProtocolVersion.V500, keepAlive: 0));
        await client.SendAsync(Packets.Publish("r", "1", version: ProtocolVersion.V500).Concat(Packets.Publish("r", "2", version: ProtocolVersion.V500)).ToArray());
        await client.ExpectSilenceAsync(Timeouts.Quiet);

        var stopping = broker.DisposeAsync().AsTask();

        await Expect.DisconnectAsync(client, ReasonCode.ServerShuttingDown);
        await client.ExpectClosedAsync(Timeouts.Default);
        await stopping.WaitAsync(Timeouts.Default);
    }
}
