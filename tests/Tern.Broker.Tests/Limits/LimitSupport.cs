using System.Buffers;
using System.Net.Sockets;
using Tern.Broker.Channel;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.TestKit;

namespace Tern.Broker.Tests.Limits;

/// <summary>Helpers of the limit tests: waiting for broker-side state, measuring memory, raw clients that never read.</summary>
internal static class LimitSupport
{
    /// <summary>Waits (polling against a deadline, not sleeping a fixed time) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Support.Timeouts.Default);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new ExpectationFailedException($"Timed out waiting for: {description}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>The managed heap after full collections: what is really held.</summary>
    public static long HeldMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>How many log lines carry event <paramref name="eventId"/>.</summary>
    public static int Count(this TernBroker broker, int eventId) =>
        broker.Log.Split('\n').Count(line => line.Contains($"[{eventId}]", StringComparison.Ordinal));

    /// <summary>The broker-side channel of the connected client <paramref name="clientId"/>.</summary>
    public static MqttChannel Channel(this TernBroker broker, string clientId) =>
        broker.Broker.Engine.Channels.Single(c => c.ClientId == clientId);

    /// <summary>One SUBSCRIBE with several filters.</summary>
    public static byte[] Subscribe(ushort packetId, ProtocolVersion version, params string[] filters)
    {
        var writer = new ArrayBufferWriter<byte>();
        SubscribePacket.Write(writer, packetId, [.. filters.Select(f => new SubscriptionRequest(f, new SubscriptionOptions(QualityOfService.AtLeastOnce)))], default, version);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A subscriber that stops reading once it has its CONNACK and SUBACK: a tiny receive buffer, and no reads after,
    /// so the broker's writes to it stall (TCP window 0).
    /// </summary>
    public static async Task<Socket> ConnectNonReadingSubscriberAsync(TernBroker broker, string clientId, string filter, QualityOfService qos)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        await socket.ConnectAsync(broker.Host, broker.Port);
        await socket.SendAsync(Support.Packets.Connect(clientId, keepAlive: 0));
        await ReceiveExactlyAsync(socket, 4); // CONNACK
        await socket.SendAsync(Support.Packets.Subscribe(1, filter, qos));
        await ReceiveExactlyAsync(socket, 5); // SUBACK
        return socket;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        int read = 0;
        using var deadline = new CancellationTokenSource(Support.Timeouts.Default);
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, deadline.Token);
            if (n == 0)
            {
                throw new ExpectationFailedException($"the broker closed the connection after {read} of {count} bytes");
            }

            read += n;
        }
    }
}
