using System.Globalization;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>
/// A page read that does not hold the head of the stored part (its row was recorded by another thread's packet whose
/// write group reached the writer after the read was asked for, so it was not committed yet): the session takes
/// nothing past the missing head and reads again after the next commit; only a head missing from five reads in a row
/// is taken for lost and dropped, so a queue can never block for good (MqttSession.Paging.cs).
/// </summary>
public sealed class PagingMissingHeadTests
{
    private const int Count = 20;
    private const int Cache = 4;

    [Fact]
    public async Task A_head_missing_from_four_reads_in_a_row_is_waited_for_and_every_message_arrives_once_in_order()
    {
        var faults = new FaultyStoreFactory();
        var payloads = await ReceiveWithHiddenHeadsAsync(faults, hiddenReads: 4, expected: Count);

        Assert.Equal(4, faults.HiddenHeads);
        Assert.Equal(Enumerable.Range(0, Count).Select(Text), payloads);
    }

    [Fact]
    public async Task A_head_missing_from_five_reads_in_a_row_is_dropped_and_the_rest_still_arrive_in_order()
    {
        var faults = new FaultyStoreFactory();
        var payloads = await ReceiveWithHiddenHeadsAsync(faults, hiddenReads: 5, expected: Count - 1);

        Assert.Equal(5, faults.HiddenHeads);

        // The first message kept only in the store (the one after the cached ones) is the head the reads missed.
        Assert.Equal(Enumerable.Range(0, Count).Where(i => i != Cache).Select(Text), payloads);
    }

    private static string Text(int i) => i.ToString("D3", CultureInfo.InvariantCulture);

    // Queues Count QoS 1 messages for an offline session with a cache of Cache, hides the first row of the next
    // `hiddenReads` page reads, connects the subscriber and receives `expected` messages, then checks that nothing more
    // comes and that the session holds nothing any more.
    private static async Task<List<string>> ReceiveWithHiddenHeadsAsync(FaultyStoreFactory faults, int hiddenReads, int expected)
    {
        using var data = new DataDirectory();
        await using var broker = await DurableBroker.StartAsync(data, faults: faults, configure: o => o.Persistence.MaxCachedMessagesPerSession = Cache);
        foreach (string client in new[] { "sub", "ticker" })
        {
            var (offline, _) = await Client.ConnectAsync(broker, client, clean: false);
            await offline.SubscribeAsync(client == "sub" ? "paged" : "tick", 1);
            await offline.DisconnectAsync();
        }

        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
        for (int i = 0; i < Count; i++)
        {
            await publisher.PublishAsync("paged", Text(i), 1, (ushort)(i + 1));
        }

        var session = broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "sub");
        Assert.Equal(Cache, session.CachedQueuedCount);
        Interlocked.Exchange(ref faults.HideHeadOfReads, hiddenReads);

        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
        var receiving = ReceiveAsync(subscriber, expected);

        // Each new read waits for the next commit; messages to the offline "ticker" session make commits come (each
        // PUBACK waits for one) instead of the idle writer's one every 5 s.
        for (ushort id = 1; id < 2_000 && !receiving.IsCompleted; id++)
        {
            await publisher.PublishAsync("tick", "t", 1, id);
        }

        var payloads = await receiving;
        await subscriber.RoundTripAsync();
        Assert.Equal(0, session.QueuedCount);
        return payloads;
    }

    private static async Task<List<string>> ReceiveAsync(Client subscriber, int expected)
    {
        var payloads = new List<string>();
        while (payloads.Count < expected)
        {
            payloads.AddRange((await subscriber.ReceiveAsync(1)).Select(p => p.Payload!));
        }

        return payloads;
    }
}
