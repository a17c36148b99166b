using Tern.Benchmarks.InProcess;
using Tern.Protocol;

namespace Tern.Broker.Tests.Messages;

/// <summary>
/// Issue 9's guard: in steady state a routed message allocates 0 B — decode, route, encode into the subscriber's
/// output, its PUBACK, and the publisher's PUBACK. Counted in bytes on one thread, never timed: the in-process harness
/// runs every step of the broker on the test's thread, so <see cref="GC.GetAllocatedBytesForCurrentThread"/> sees
/// all of it and nothing that other tests running in parallel allocate.
/// </summary>
public sealed class RoutedMessageAllocationTests
{
    private const int Batch = 100;
    private const int WarmUpBatches = 20;
    private const int MeasuredBatches = 200; // 20,000 messages

    [Theory]
    [InlineData(ProtocolVersion.V311, QualityOfService.AtMostOnce, 16)]
    [InlineData(ProtocolVersion.V311, QualityOfService.AtLeastOnce, 16)]
    [InlineData(ProtocolVersion.V500, QualityOfService.AtMostOnce, 16)]
    [InlineData(ProtocolVersion.V500, QualityOfService.AtLeastOnce, 16)]
    [InlineData(ProtocolVersion.V311, QualityOfService.AtLeastOnce, 1024)]
    [InlineData(ProtocolVersion.V500, QualityOfService.AtLeastOnce, 1024)]
    public void A_routed_message_allocates_nothing_in_steady_state(ProtocolVersion version, QualityOfService qos, int payloadSize)
    {
        using var broker = new InProcessBroker();
        using var subscriber = broker.Connect("alloc-sub", version);
        subscriber.Subscribe("alloc/+/temperature", qos);
        using var publisher = broker.Connect("alloc-pub", version);
        byte[] publishes = Packets.Publishes(Batch, "alloc/floor-2/temperature", payloadSize, qos, version, messageExpiry: version == ProtocolVersion.V500 ? 3600u : 0u);

        long allocated = AllocatedWhileRouting(publisher, subscriber, publishes);

        Assert.Equal((WarmUpBatches + MeasuredBatches) * (long)Batch, subscriber.PublishesReceived);
        Assert.Equal(subscriber.PublishesReceived * payloadSize, subscriber.BytesReceived);

        // No allowance: after the warm-up every pool (messages, arrays, pipe segments, the outbound queue's segment)
        // has what it needs, so the whole run of 20,000 messages must allocate nothing at all.
        Assert.True(allocated == 0, $"{allocated} B allocated for {MeasuredBatches * Batch} routed messages ({(double)allocated / (MeasuredBatches * Batch):F1} B per message).");
        Assert.Equal(0, broker.Pool.OutstandingMessages);
        Assert.Equal(0, broker.Pool.OutstandingBuffers);
    }

    [Fact]
    public void The_guard_sees_an_allocation_per_message_when_one_happens()
    {
        // A 5.0 Subscription Identifier gives each delivery its own encoding (documented as still allocating): the same
        // measurement must report it, or the guard above could not fail.
        using var broker = new InProcessBroker();
        using var subscriber = broker.Connect("alloc-sid-sub", ProtocolVersion.V500);
        subscriber.Subscribe("alloc/+/sid", QualityOfService.AtLeastOnce, subscriptionIdentifier: 7);
        using var publisher = broker.Connect("alloc-sid-pub", ProtocolVersion.V500);
        byte[] publishes = Packets.Publishes(Batch, "alloc/x/sid", 16, QualityOfService.AtLeastOnce, ProtocolVersion.V500);

        long allocated = AllocatedWhileRouting(publisher, subscriber, publishes);

        Assert.True(allocated >= MeasuredBatches * Batch * 32L, $"only {allocated} B allocated for {MeasuredBatches * Batch} messages with per-subscriber encodings");
    }

    private static long AllocatedWhileRouting(InProcessClient publisher, InProcessClient subscriber, byte[] publishes)
    {
        for (int i = 0; i < WarmUpBatches; i++)
        {
            RouteBatch(publisher, subscriber, publishes);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < MeasuredBatches; i++)
        {
            RouteBatch(publisher, subscriber, publishes);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void RouteBatch(InProcessClient publisher, InProcessClient subscriber, byte[] publishes)
    {
        publisher.SendRaw(publishes);
        publisher.DiscardReceived();
        int received = subscriber.Receive();
        if (received != Batch)
        {
            // Not Assert: its message would be built on every call; this path only runs when the test already failed.
            throw new InvalidOperationException($"{received} of {Batch} messages reached the subscriber.");
        }
    }
}
