#if DEBUG
using Tern.Broker.Messages;
using Tern.Broker.Sessions;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Tests.Messages;

/// <summary>The debug checks that make a use after release fail loudly in tests (compiled out of release builds).</summary>
public sealed class LifetimeCheckTests
{
    [Fact]
    public void Reading_a_message_after_its_last_release_throws()
    {
        var message = Routed(new MessagePool());
        message.Release();

        Assert.Throws<InvalidOperationException>(() => message.Topic.Length);
        Assert.Throws<InvalidOperationException>(() => message.GetEncoding(ProtocolVersion.V311, QualityOfService.AtMostOnce, false));
    }

    [Fact]
    public void Releasing_twice_or_taking_a_reference_after_release_throws()
    {
        var message = Routed(new MessagePool());
        message.Release();

        Assert.Throws<InvalidOperationException>(message.AddRef);
        var other = Routed(new MessagePool());
        other.Release();
        Assert.Throws<InvalidOperationException>(other.Release);
    }

    [Fact]
    public void A_delivery_or_an_encoding_that_outlived_its_message_is_caught_after_the_object_was_reused()
    {
        var pool = new MessagePool();
        var message = Routed(pool);
        var delivery = new Delivery(message, QualityOfService.AtMostOnce, false);
        var encoded = message.GetEncoding(ProtocolVersion.V311, QualityOfService.AtMostOnce, false);
        int encodedGeneration = encoded.Generation;
        message.Release();

        var reused = Routed(pool);
        Assert.Same(message, reused); // the pool handed the same object out again
        Assert.Throws<InvalidOperationException>(() => delivery.AssertLive());
        Assert.Throws<InvalidOperationException>(() => encoded.AssertLive(encodedGeneration));
        reused.Release();
        Assert.Equal(0, pool.OutstandingMessages);
        Assert.Equal(0, pool.OutstandingBuffers);
    }

    [Fact]
    public void A_pinned_message_stays_readable_and_leaves_the_pool_accounting()
    {
        var pool = new MessagePool();
        var message = Routed(pool);
        message.GetEncoding(ProtocolVersion.V500, QualityOfService.AtLeastOnce, true);
        message.Pin();
        message.Release();

        Assert.Equal("t/1"u8.ToArray(), message.Topic.ToArray());
        Assert.Equal(1, pool.Pinned);
        Assert.Equal(0, pool.OutstandingMessages);
        Assert.Equal(0, pool.OutstandingBuffers);
    }

    private static BrokerMessage Routed(MessagePool pool)
    {
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        PublishPacket.Write(frame, ProtocolVersion.V311, new PublishHeader(QualityOfService.AtMostOnce), "t/1"u8, default, "hello"u8);
        var bytes = frame.WrittenSpan.ToArray();
        Tern.Protocol.Framing.FrameScanner.TryScan(bytes, int.MaxValue, out var header, out _);
        PublishPacket.TryDecode(header, bytes.AsSpan(header.HeaderLength), ProtocolVersion.V311, out var packet, out _);
        return BrokerMessage.FromPublish(packet, packet.TopicName, "c", TimeProvider.System, pool);
    }
}
#endif
