using Microsoft.Extensions.Time.Testing;

namespace Tern.Persistence.Tests;

/// <summary>Session expiry, message expiry and will delays count the time the broker was down (wall-clock times are stored).</summary>
public sealed class ExpiryTests
{
    [Theory]
    [InlineData(59, true)]
    [InlineData(61, false)]
    public async Task Session_expiry_counts_the_time_the_broker_was_down(int downSeconds, bool present)
    {
        using var data = new DataDirectory();
        var time = new FakeTimeProvider();
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            var (client, _) = await Client.ConnectAsync(broker, "c", clean: false, version: 5, sessionExpiry: 60);
            await client.DisconnectAsync();
        }

        time.Advance(TimeSpan.FromSeconds(downSeconds));
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            // 5.0 §3.1.2.11.2: the session ends when the Session Expiry Interval has passed since the network connection closed.
            var (_, connAck) = await Client.ConnectAsync(broker, "c", clean: false, version: 5, sessionExpiry: 60);
            Assert.Equal(present, connAck.SessionPresent);
        }
    }

    [Fact]
    public async Task A_restored_session_expires_after_what_remained_of_its_interval()
    {
        using var data = new DataDirectory();
        var time = new FakeTimeProvider();
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            var (client, _) = await Client.ConnectAsync(broker, "c", clean: false, version: 5, sessionExpiry: 60);
            await client.DisconnectAsync();
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            time.Advance(TimeSpan.FromSeconds(31));
            var (_, connAck) = await Client.ConnectAsync(broker, "c", clean: false, version: 5, sessionExpiry: 60);
            Assert.False(connAck.SessionPresent);
        }

        Assert.Equal(1, StoreFile.Count(data, "sessions"));
    }

    [Theory]
    [InlineData(5, true)]
    [InlineData(11, false)]
    public async Task Message_expiry_counts_the_time_the_broker_was_down(int downSeconds, bool delivered)
    {
        using var data = new DataDirectory();
        var time = new FakeTimeProvider();
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
            await subscriber.SubscribeAsync("t", 1);
            await subscriber.DisconnectAsync();
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);
            await publisher.SendAsync(Wire.Publish("t", "ten seconds", 1, 1, version: 5, expiry: 10));
            await publisher.ExpectAsync(Wire.PubAck);
        }

        time.Advance(TimeSpan.FromSeconds(downSeconds));
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            // [MQTT-3.3.2-5] in 5.0: a message whose expiry interval has passed is not delivered.
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
            if (delivered)
            {
                Assert.Equal("ten seconds", (await subscriber.ExpectAsync(3)).Payload);
            }
            else
            {
                await subscriber.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
            }
        }
    }

    [Fact]
    public async Task The_will_of_a_session_connected_at_a_crash_is_published_after_what_remains_of_its_delay()
    {
        using var data = new DataDirectory();
        var time = new FakeTimeProvider();
        var faults = new FaultyStoreFactory();
        await using (var broker = await DurableBroker.StartAsync(data, time, faults))
        {
            var (watcher, _) = await Client.ConnectAsync(broker, "watcher", clean: false, version: 5, sessionExpiry: 3600);
            await Client.ConnectAsync(broker, "dies", clean: false, version: 5, sessionExpiry: 3600, will: new Wire.Will("wills/dies", "gone", 1, Delay: 10));

            // The SUBACK waits for a commit that holds everything recorded before it: the will's session is stored.
            await watcher.SubscribeAsync("wills/#", 1);

            // From here nothing reaches the disk: to the store, the broker crashed with "dies" connected.
            faults.Failing = true;
        }

        time.Advance(TimeSpan.FromSeconds(4));
        await using (var broker = await DurableBroker.StartAsync(data, time))
        {
            var (watcher, _) = await Client.ConnectAsync(broker, "watcher", clean: false, version: 5, sessionExpiry: 3600);
            await watcher.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(200));
            time.Advance(TimeSpan.FromSeconds(6));

            // 5.0 §3.1.3.2.2: the will is published once the Will Delay Interval has passed since the connection was lost.
            var will = await watcher.ExpectAsync(3);
            Assert.Equal(("wills/dies", "gone"), (will.Topic, will.Payload));
        }
    }

    [Fact]
    public async Task The_will_of_a_session_connected_at_a_crash_without_a_delay_is_published_at_the_next_start()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using (var broker = await DurableBroker.StartAsync(data, faults: faults))
        {
            var (watcher, _) = await Client.ConnectAsync(broker, "watcher", clean: false);
            await Client.ConnectAsync(broker, "dies", clean: false, will: new Wire.Will("wills/dies", "gone", 1));
            await watcher.SubscribeAsync("wills/#", 1);
            faults.Failing = true;
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (watcher, _) = await Client.ConnectAsync(broker, "watcher", clean: false);
            var will = await watcher.ExpectAsync(3);
            Assert.Equal(("wills/dies", "gone"), (will.Topic, will.Payload));
        }
    }
}
