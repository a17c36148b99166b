using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;
using Tern.TestKit;

namespace Tern.Broker.Tests.Behaviour;

/// <summary>
/// RELIABILITY D13: the wall clock jumps an hour forward or back (NTP step, a VM resumed, an operator's mistake) while
/// keep alive, session expiry and message expiry are counting. Those decisions run on monotonic time
/// (<see cref="TimeProvider.GetTimestamp"/> and the provider's timers), so a jump changes none of them. (Mosquitto fixed
/// the same class of bug in 2.0.19 and 2.0.22.)
/// </summary>
public class ClockJumpTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task A_wall_clock_jump_neither_closes_a_live_client_nor_spares_a_silent_one_MQTT_3_1_2_24()
    {
        var time = new JumpingWallClock();
        await using var broker = await TernBroker.StartAsync(configure: null, time: time);
        await using var client = await broker.ConnectAsync(Packets.Connect("jump-ka", keepAlive: 2));

        time.Jump(TimeSpan.FromHours(1));
        time.Monotonic.Advance(TimeSpan.FromSeconds(2.75));
        await client.ExpectSilenceAsync(Timeouts.Quiet);

        time.Jump(TimeSpan.FromHours(-2));
        time.Monotonic.Advance(TimeSpan.FromSeconds(0.25));
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_wall_clock_jump_forward_does_not_expire_an_offline_session_5_0_section_3_1_2_11_2()
    {
        var time = new JumpingWallClock();
        await using var broker = await TernBroker.StartAsync(configure: null, time: time);
        await using (var first = await broker.ConnectAsync(Packets.Connect("jump-session", V5, clean: false, sessionExpiry: 60)))
        {
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("jump-session");
        time.Jump(TimeSpan.FromHours(1));
        time.Monotonic.Advance(TimeSpan.FromSeconds(59));

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("jump-session", V5, clean: false, sessionExpiry: 60));
        Assert.Equal(0x01, (await again.ReadPacketAsync(Timeouts.Default))[2]); // session present
    }

    [Fact]
    public async Task A_wall_clock_jump_changes_neither_a_message_expiry_nor_the_interval_forwarded_MQTT_3_3_2_6()
    {
        var time = new JumpingWallClock();
        await using var broker = await TernBroker.StartAsync(configure: null, time: time);
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("jump-mx-sub", V5, clean: false, sessionExpiry: 3600, keepAlive: 0)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "jump/mx", QualityOfService.AtLeastOnce, V5));
            await subscriber.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("jump-mx-sub");
        await using (var publisher = await broker.ConnectAsync(Packets.Connect("jump-mx-pub", V5, keepAlive: 0)))
        {
            await publisher.SendAsync(Packets.Publish("jump/mx", "kept", QualityOfService.AtLeastOnce, 1, version: V5, properties: new PropertyBuilder().AddUInt32(PropertyId.MessageExpiryInterval, 100)));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        time.Jump(TimeSpan.FromHours(2));
        time.Monotonic.Advance(TimeSpan.FromSeconds(30));
        time.Jump(TimeSpan.FromHours(-5));

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("jump-mx-sub", V5, clean: false, sessionExpiry: 3600, keepAlive: 0));
        await again.ReadPacketAsync(Timeouts.Default);
        var message = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal("kept", message.Payload);
        Assert.Equal(70u, message.MessageExpiry);
    }

    /// <summary>Monotonic time and timers from a <see cref="FakeTimeProvider"/>; a wall clock that can be stepped on its own.</summary>
    private sealed class JumpingWallClock : TimeProvider
    {
        private TimeSpan _offset;

        public FakeTimeProvider Monotonic { get; } = new();

        public void Jump(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => Monotonic.GetUtcNow() + _offset;

        public override long GetTimestamp() => Monotonic.GetTimestamp();

        public override long TimestampFrequency => Monotonic.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Monotonic.CreateTimer(callback, state, dueTime, period);
    }
}
