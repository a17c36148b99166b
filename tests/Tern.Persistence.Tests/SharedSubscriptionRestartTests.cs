using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>Shared subscriptions ($share/{group}/{filter}) of stored sessions come back as members of their group.</summary>
public sealed class SharedSubscriptionRestartTests
{
    [Fact]
    public async Task Two_members_of_a_stored_shared_subscription_share_messages_again_after_a_restart()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            foreach (string id in new[] { "m1", "m2" })
            {
                var (member, _) = await Client.ConnectAsync(broker, id, clean: false, version: 5, sessionExpiry: 3600);
                await member.SubscribeAsync("$share/g/work/#", 1);
                await member.RoundTripAsync();
            }
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (m1, ack1) = await Client.ConnectAsync(broker, "m1", clean: false, version: 5, sessionExpiry: 3600);
            var (m2, ack2) = await Client.ConnectAsync(broker, "m2", clean: false, version: 5, sessionExpiry: 3600);
            Assert.True(ack1.SessionPresent && ack2.SessionPresent);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);
            const int Count = 10;
            for (int i = 0; i < Count; i++)
            {
                await publisher.PublishAsync("work/item", "w" + i, 1, (ushort)(i + 1));
            }

            // Each message goes to exactly one member of the group (MQTT 5.0 §4.8.2), and both members get some.
            var received = new List<string>();
            int fromM1 = 0;
            int fromM2 = 0;
            var deadline = DateTime.UtcNow + Client.Timeout;
            while (received.Count < Count && DateTime.UtcNow < deadline)
            {
                foreach (var (member, isFirst) in new[] { (m1, true), (m2, false) })
                {
                    while (await TryReceiveAsync(member) is { } payload)
                    {
                        received.Add(payload);
                        _ = isFirst ? fromM1++ : fromM2++;
                    }
                }
            }

            Assert.Equal(Enumerable.Range(0, Count).Select(i => "w" + i).Order(), received.Order());
            Assert.True(fromM1 > 0 && fromM2 > 0, $"m1 got {fromM1}, m2 got {fromM2}");
        }
    }

    private static async Task<string?> TryReceiveAsync(Client member)
    {
        Packet packet;
        try
        {
            packet = await member.NextAsync(TimeSpan.FromMilliseconds(200));
        }
        catch (ExpectationFailedException ex) when (ex.Message.Contains("nothing arrived", StringComparison.Ordinal))
        {
            // Nothing for this member right now: the caller looks at the other one.
            return null;
        }

        Assert.Equal(3, packet.Type);
        await member.SendAsync(Wire.Ack(Wire.PubAck, packet.PacketId));
        return packet.Payload;
    }
}
