using System.Buffers;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Tests.Limits;

/// <summary>RELIABILITY §6 group C cases not covered by the other limit tests (C6 tree shrink, C8, C10, C14).</summary>
public class ResourceGapsTests
{
    [Fact]
    public async Task Twenty_thousand_filters_are_capped_per_client_and_unsubscribing_them_all_shrinks_the_tree_to_its_baseline_RELIABILITY_C6()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 1000);
        var tree = broker.Broker.Engine.Tree;
        int baselineNodes = tree.NodeCount;
        int baselineCount = tree.Count;
        await using var client = await broker.ConnectAsync(Packets.Connect("c6-litter", ProtocolVersion.V500));
        var filters = Enumerable.Range(0, 20_000).Select(i => $"c6/{i / 100}/{i}/x").ToArray();
        int granted = 0, refused = 0;

        // Ten SUBSCRIBEs of 1,000 filters, then one SUBSCRIBE with the remaining 10,000 entries.
        ushort packetId = 1;
        foreach (var chunk in filters.Take(10_000).Chunk(1000).Append(filters[10_000..]))
        {
            await client.SendAsync(LimitSupport.Subscribe(packetId++, ProtocolVersion.V500, chunk));
            var suback = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0x90, suback[0]);
            var codes = suback.AsSpan(suback.Length - chunk.Length);
            granted += codes.Count((byte)0x01);
            refused += codes.Count((byte)0x97);
        }

        Assert.Equal(1000, granted);
        Assert.Equal(19_000, refused);
        Assert.Equal(baselineCount + 1000, tree.Count);
        Assert.True(tree.NodeCount > baselineNodes + 1000, $"the tree should hold the granted filters' nodes, has {tree.NodeCount}");

        int removed = 0;
        foreach (var chunk in filters.Chunk(2000))
        {
            await client.SendAsync(Unsubscribe(packetId++, chunk));
            var unsuback = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0xB0, unsuback[0]);
            var codes = unsuback.AsSpan(unsuback.Length - chunk.Length);
            removed += codes.Count((byte)0x00);
            Assert.Equal(chunk.Length, codes.Count((byte)0x00) + codes.Count((byte)0x11));
        }

        Assert.Equal(1000, removed);
        Assert.Equal(baselineCount, tree.Count);
        Assert.Equal(baselineNodes, tree.NodeCount);
        Assert.Equal(0, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "c6-litter").SubscriptionCount);
        await client.ExpectAliveAsync();
    }

    private static byte[] Unsubscribe(ushort packetId, string[] filters)
    {
        var writer = new ArrayBufferWriter<byte>();
        UnsubscribePacket.Write(writer, packetId, filters, default, ProtocolVersion.V500);
        return writer.WrittenSpan.ToArray();
    }
}
