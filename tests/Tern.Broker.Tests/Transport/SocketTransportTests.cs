using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Tests.Support;
using Tern.Broker.Transport;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Transport;

/// <summary>
/// Tern's own socket transport (the default for <c>mqtt</c> listeners) with real sockets on 127.0.0.1, on each engine
/// this machine runs: Tern's epoll loop (Linux x86-64, the default there) and the runtime's sockets.
/// </summary>
public sealed class SocketTransportTests
{
    private static readonly byte[] Connack311 = [0x20, 0x02, 0x00, 0x00];

    public static TheoryData<string> Engines => SocketPipeTests.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_plain_mqtt_listener_uses_the_socket_transport_by_default_and_reports_its_real_port(string engine)
    {
        await using var broker = await StartAsync(engine);
        var listener = Assert.Single(broker.Broker.Listeners);
        Assert.Equal(ListenerTransport.Sockets, listener.Options.Transport);
        Assert.NotEqual(0, listener.EndPoint.Port);
        Assert.Equal(listener.EndPoint, Assert.Single(Transport(broker).Listeners).EndPoint);

        using var client = await SocketClient.ConnectAsync(listener.EndPoint);
        await client.SendAsync(Packets.Connect("default-transport"));
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        Assert.Equal(1, Transport(broker).OpenConnections);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_CONNECT_written_one_byte_at_a_time_is_answered_with_CONNACK(string engine)
    {
        await using var broker = await StartAsync(engine);
        using var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        foreach (byte b in Packets.Connect("one-byte-writes"))
        {
            await client.SendAsync(new[] { b });
        }

        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_packet_that_straddles_two_receives_is_processed_once_whole(string engine)
    {
        await using var broker = await StartAsync(engine);
        using var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        var subscribe = Packets.Subscribe(7, "straddle/#", QualityOfService.AtMostOnce);

        // CONNECT and the head of SUBSCRIBE in one write; the CONNACK proves the broker read that much before the rest comes.
        await client.SendAsync((byte[])[.. Packets.Connect("straddler"), .. subscribe.AsSpan(0, 3)]);
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        await client.SendAsync(subscribe.AsMemory(3));
        Assert.Equal(new byte[] { 0x90, 0x03, 0x00, 0x07, 0x00 }, await client.ReadFrameAsync(Timeouts.Default));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_PUBLISH_of_one_MiB_is_delivered_byte_for_byte(string engine)
    {
        await using var broker = await StartAsync(engine, o => o.MaxPacketSize = 2 * 1024 * 1024);
        using var subscriber = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await subscriber.SendAsync((byte[])[.. Packets.Connect("big-sub"), .. Packets.Subscribe(1, "big", QualityOfService.AtMostOnce)]);
        Assert.Equal(Connack311, await subscriber.ReadFrameAsync(Timeouts.Default));
        Assert.NotNull(await subscriber.ReadFrameAsync(Timeouts.Default));

        var payload = new byte[1024 * 1024];
        new Random(42).NextBytes(payload);
        using var publisher = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await publisher.SendAsync(Packets.Connect("big-pub"));
        Assert.Equal(Connack311, await publisher.ReadFrameAsync(Timeouts.Default));
        var publish = Packets.Publish("big", "");
        await publisher.SendAsync(BuildPublish("big", payload));

        var frame = await subscriber.ReadFrameAsync(Timeouts.Default);
        Assert.NotNull(frame);
        Assert.True(frame.AsSpan(frame.Length - payload.Length).SequenceEqual(payload), "the payload arrived changed");
        Assert.Equal(publish[0], frame[0]);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_peer_reset_in_the_middle_of_a_packet_ends_only_that_connection(string engine)
    {
        await using var broker = await StartAsync(engine);
        var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await client.SendAsync(Packets.Connect("resetter"));
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        await client.SendAsync(Packets.Publish("half", "a payload cut short").AsMemory(0, 8));
        client.Reset();

        await Eventually(() => broker.Broker.Engine.ConnectionCount == 0 && Transport(broker).OpenConnections == 0, "the reset connection never ended");
        using var next = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await next.SendAsync(Packets.Connect("after-reset"));
        Assert.Equal(Connack311, await next.ReadFrameAsync(Timeouts.Default));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_client_that_half_closes_after_CONNECT_still_gets_its_CONNACK_then_the_connection_ends(string engine)
    {
        await using var broker = await StartAsync(engine);
        using var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await client.SendAsync(Packets.Connect("half-closer"));
        client.Socket.Shutdown(SocketShutdown.Send);

        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        Assert.True(await client.IsClosedAsync(Timeouts.Default), "the broker kept a half-closed connection open");
        await Eventually(() => Transport(broker).OpenConnections == 0, "the half-closed connection was never released");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_thousand_concurrent_connections_are_served_and_all_released_when_they_close(string engine)
    {
        const int Count = 1000;
        await using var broker = await StartAsync(engine);
        var endPoint = broker.Broker.Endpoints[0];
        var clients = await Task.WhenAll(Enumerable.Range(0, Count).Select(async i =>
        {
            var client = await SocketClient.ConnectAsync(endPoint);
            await client.SendAsync(Packets.Connect($"many-{i}"));
            Assert.Equal(Connack311, await client.ReadFrameAsync(TimeSpan.FromSeconds(30)));
            return client;
        }));

        Assert.Equal(Count, broker.Broker.Engine.ConnectionCount);
        Assert.Equal(Count, Transport(broker).OpenConnections);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Eventually(() => broker.Broker.Engine.ConnectionCount == 0 && Transport(broker).OpenConnections == 0, "connections were not all released", TimeSpan.FromSeconds(30));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task An_idle_connection_holds_no_receive_or_send_buffer(string engine)
    {
        await using var broker = await StartAsync(engine);
        using var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await client.SendAsync(Packets.Connect("idle"));
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));

        var connection = Assert.Single(Transport(broker).Listeners[0].GetConnections());
        await Eventually(
            () => ((SocketPipeReader)connection.Input).BufferCapacity == 0 && ((SocketPipeWriter)connection.Output).BufferCapacity == 0,
            "the idle connection kept a buffer");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_listener_at_its_MaxConnections_closes_one_more_connection_without_CONNACK(string engine)
    {
        await using var broker = await StartAsync(engine, o => o.Listeners[0].MaxConnections = 2);
        var endPoint = broker.Broker.Endpoints[0];
        using var first = await SocketClient.ConnectAsync(endPoint);
        using var second = await SocketClient.ConnectAsync(endPoint);
        foreach (var (client, id) in new[] { (first, "first"), (second, "second") })
        {
            await client.SendAsync(Packets.Connect(id));
            Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        }

        using var third = await SocketClient.ConnectAsync(endPoint);
        await third.SendAsync(Packets.Connect("third"));
        // Closed at accept: a FIN, or a reset when the CONNECT was already in the broker's receive buffer; never a CONNACK.
        byte[]? answer;
        try
        {
            answer = await third.ReadFrameAsync(Timeouts.Default);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            answer = null;
        }

        Assert.Null(answer);
        Assert.Contains("5001", broker.Log, StringComparison.Ordinal);
        Assert.Equal(2, Transport(broker).OpenConnections);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Stopping_the_broker_sends_DISCONNECT_0x8B_to_a_5_0_client_and_closes_the_listener(string engine)
    {
        var broker = await StartAsync(engine);
        var endPoint = broker.Broker.Endpoints[0];
        using var client = await SocketClient.ConnectAsync(endPoint);
        await client.SendAsync(Packets.Connect("stopping", ProtocolVersion.V500));
        var connack = await client.ReadFrameAsync(Timeouts.Default);
        Assert.True(connack is [0x20, _, 0x00, 0x00, ..], "expected an accepting CONNACK");

        await broker.Broker.StopAsync().WaitAsync(Timeouts.Default);

        // DISCONNECT with reason code 0x8B Server shutting down (MQTT 5.0 §3.14.2.1).
        var disconnect = await client.ReadFrameAsync(Timeouts.Default);
        Assert.True(disconnect is [0xE0, _, 0x8B, ..], $"expected DISCONNECT 0x8B, got {(disconnect is null ? "a close" : Convert.ToHexString(disconnect))}");
        Assert.True(await client.IsClosedAsync(Timeouts.Default));
        Assert.Equal(0, Transport(broker).OpenConnections);
        await Assert.ThrowsAnyAsync<SocketException>(() => SocketClient.ConnectAsync(endPoint));
        await broker.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_listener_on_the_IPv6_loopback_serves_clients(string engine)
    {
        Assert.True(Socket.OSSupportsIPv6, "this machine has no IPv6; the socket transport's IPv6 bind is untested here");
        await using var broker = await StartAsync(engine, o => o.Listeners[0].Bind = "::1");
        var endPoint = broker.Broker.Endpoints[0];
        Assert.Equal(IPAddress.IPv6Loopback, endPoint.Address);
        using var client = await SocketClient.ConnectAsync(endPoint);
        await client.SendAsync(Packets.Connect("over-ipv6"));
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));

        // The peer's address (per-address limits, logs) is read from the accept, IPv6 included.
        var connection = Assert.Single(Transport(broker).Listeners[0].GetConnections());
        Assert.Equal(client.Socket.LocalEndPoint, connection.RemoteEndPoint);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Connections_opened_and_closed_in_turn_are_each_served_although_descriptors_and_slots_are_reused(string engine)
    {
        // Each close frees a descriptor number and (epoll) a slot that the next connection takes at once: an event
        // meant for the closed one must never reach the new one, and the new one's first bytes must not be missed.
        await using var broker = await StartAsync(engine);
        var endPoint = broker.Broker.Endpoints[0];
        for (int i = 0; i < 300; i++)
        {
            using var client = await SocketClient.ConnectAsync(endPoint);
            await client.SendAsync(Packets.Connect($"turn-{i}"));
            Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
        }

        await Eventually(() => Transport(broker).OpenConnections == 0, "closed connections were not all released");
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_an_IOException_naming_the_address()
    {
        await using var first = await TestBroker.StartAsync();
        int port = first.Broker.Endpoints[0].Port;
        var error = await Assert.ThrowsAsync<IOException>(() => TestBroker.StartAsync(o => o.Listeners[0].Port = port));
        Assert.Contains($"mqtt://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Kestrel_transport_can_still_be_chosen_for_a_plain_mqtt_listener()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Listeners[0].Transport = ListenerTransport.Kestrel);
        Assert.Empty(Transport(broker).Listeners);
        using var client = await SocketClient.ConnectAsync(broker.Broker.Endpoints[0]);
        await client.SendAsync(Packets.Connect("over-kestrel"));
        Assert.Equal(Connack311, await client.ReadFrameAsync(Timeouts.Default));
    }

    [Fact]
    public void An_undefined_Transport_value_is_a_validation_problem_naming_the_listener()
    {
        var options = new BrokerOptions { Listeners = [new MqttListenerOptions { Name = "odd", Transport = (ListenerTransport)9 }] };
        Assert.Contains("Listener 'odd': Transport 9 is not one of Sockets, Kestrel.", options.Validate());
    }

    private static SocketTransport Transport(TernBroker broker) => broker.Broker.Services.GetRequiredService<SocketTransport>();

    private static byte[] BuildPublish(string topic, byte[] payload)
    {
        int remaining = 2 + topic.Length + payload.Length;
        var header = new List<byte> { 0x30 };
        do
        {
            byte digit = (byte)(remaining % 128);
            remaining /= 128;
            header.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);

        header.Add((byte)(topic.Length >> 8));
        header.Add((byte)topic.Length);
        header.AddRange(System.Text.Encoding.UTF8.GetBytes(topic));
        return [.. header, .. payload];
    }

    /// <summary>A broker whose first listener runs on <paramref name="engine"/> ("epoll" or "runtime").</summary>
    private static async Task<TernBroker> StartAsync(string engine, Action<BrokerOptions>? configure = null)
    {
        var broker = await TestBroker.StartAsync(o =>
        {
            o.Listeners[0].UseRuntimeSockets = engine == "runtime";
            configure?.Invoke(o);
        });
        Assert.Equal(engine == "epoll", Transport(broker).Listeners[0].UsesEpoll);
        return broker;
    }

    private static async Task Eventually(Func<bool> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeouts.Default);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10);
        }
    }
}
