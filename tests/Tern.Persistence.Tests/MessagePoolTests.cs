using Tern.Broker;

namespace Tern.Persistence.Tests;

/// <summary>
/// Messages to persistent sessions go back to the broker's message pool once they are acknowledged and their rows are
/// committed: the durable writer holds a reference of its own instead of pinning them (a pinned message is an
/// allocation per message, left to the GC). Debug builds also throw if the writer read a message after its return.
/// </summary>
public sealed class MessagePoolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Messages_to_a_persistent_session_return_to_the_pool_after_their_commit_and_none_is_pinned(int qos)
    {
        using var data = new DataDirectory();
        await using var broker = await DurableBroker.StartAsync(data);
        var pool = broker.Broker.Engine.Router.Pool;
        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
        await subscriber.SubscribeAsync("t", qos);
        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);

        for (ushort id = 1; id <= 50; id++)
        {
            await publisher.PublishAsync("t", "m" + id, qos, id);
        }

        // The subscriber acknowledges everything: PUBACK (QoS 1), or PUBREC then PUBCOMP for each PUBREL (QoS 2).
        var received = new List<string>();
        int released = 0;
        while (received.Count < 50 || (qos == 2 && released < 50))
        {
            var packet = await subscriber.NextAsync();
            if (packet.Type == 3)
            {
                received.Add(packet.Payload!);
                await subscriber.SendAsync(Wire.Ack(qos == 1 ? Wire.PubAck : Wire.PubRec, packet.PacketId));
            }
            else
            {
                Assert.Equal(Wire.PubRel, packet.Type);
                released++;
                await subscriber.SendAsync(Wire.Ack(Wire.PubComp, packet.PacketId));
            }
        }

        Assert.Equal(Enumerable.Range(1, 50).Select(i => "m" + i), received);
        Assert.Equal(0, pool.Pinned);

        // The last acknowledgements and removals reach the writer after the deliveries: wait for the commits that take
        // the writer's references back (the pool counts them; nothing else holds these messages now).
        var deadline = DateTime.UtcNow + Timeout;
        while (pool.OutstandingMessages != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, pool.OutstandingMessages);
        Assert.Equal(0, pool.OutstandingBuffers);
    }
}
