using System.Net;
using System.Net.Sockets;
using Tern.TestKit;

namespace Tern.Interop.Tests.TestKit;

/// <summary>The byte-scripted connection against a scripted TCP peer: it must report exactly what happened.</summary>
public sealed class RawMqttConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket _peer = null!;
    private RawMqttConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _listener.Start();
        var accept = _listener.AcceptSocketAsync();
        _connection = await RawMqttConnection.ConnectAsync("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port, "under test");
        _peer = await accept;
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        _peer.Dispose();
        _listener.Stop();
    }

    [Fact]
    public async Task Bytes_sent_arrive_at_the_peer_as_scripted()
    {
        await _connection.SendAsync("C0 00 'ab'");

        byte[] received = new byte[4];
        int count = 0;
        while (count < received.Length)
        {
            count += await _peer.ReceiveAsync(received.AsMemory(count));
        }

        Assert.Equal(new byte[] { 0xC0, 0x00, 0x61, 0x62 }, received);
    }

    [Fact]
    public async Task Frames_are_cut_at_their_boundaries_however_the_bytes_arrive()
    {
        await _peer.SendAsync(Hex.Bytes("20 02"));
        await _peer.SendAsync(Hex.Bytes("00 00 D0"));
        await _peer.SendAsync(Hex.Bytes("00 30 03 00 01 'x'"));

        await _connection.ExpectAsync("20 02 00 00", Timeout);
        Assert.Equal(Hex.Bytes("D0 00"), await _connection.ReadPacketAsync(Timeout));
        await _connection.ExpectAsync("30 03 00 01 'x'", Timeout);
        Assert.Equal(3, _connection.Received.Count);
    }

    [Fact]
    public async Task Expecting_one_packet_and_receiving_another_fails_showing_both()
    {
        await _peer.SendAsync(Hex.Bytes("20 02 01 00"));

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => _connection.ExpectAsync("20 02 00 00", Timeout));

        Assert.Contains("expected 20 02 00 00", failure.Message, StringComparison.Ordinal);
        Assert.Contains("received 20 02 01 00", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_close_by_the_peer_satisfies_ExpectClosed()
    {
        _peer.Shutdown(SocketShutdown.Both);
        _peer.Close();

        await _connection.ExpectClosedAsync(Timeout);
    }

    [Fact]
    public async Task A_reset_by_the_peer_satisfies_ExpectClosed()
    {
        _peer.LingerState = new LingerOption(true, 0);
        _peer.Close();

        await _connection.ExpectClosedAsync(Timeout);
    }

    [Fact]
    public async Task A_packet_before_the_close_fails_ExpectClosed_and_is_reported()
    {
        await _peer.SendAsync(Hex.Bytes("D0 00"));
        _peer.Close();

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => _connection.ExpectClosedAsync(Timeout));

        Assert.Contains("sent D0 00", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_bytes_before_the_close_fail_ExpectClosed_and_are_reported()
    {
        await _peer.SendAsync(Hex.Bytes("30 05 00"));
        _peer.Close();

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => _connection.ExpectClosedAsync(Timeout));

        Assert.Contains("partial bytes 30 05 00", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_left_open_fails_ExpectClosed_after_the_timeout()
    {
        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(
            () => _connection.ExpectClosedAsync(TimeSpan.FromMilliseconds(100)));

        Assert.Contains("still open", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_byte_within_the_window_fails_ExpectSilence()
    {
        await _peer.SendAsync(Hex.Bytes("D0 00"));

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => _connection.ExpectSilenceAsync(Timeout));

        Assert.Contains("sent D0 00", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_within_the_window_satisfies_ExpectSilence_and_the_connection_still_works()
    {
        await _connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(100));

        await _peer.SendAsync(Hex.Bytes("D0 00"));
        await _connection.ExpectAsync("D0 00", Timeout);
    }

    [Fact]
    public async Task Bytes_that_are_no_MQTT_frame_are_reported_as_such()
    {
        await _peer.SendAsync(Hex.Bytes("20 80 80 80 80 01"));

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => _connection.ReadPacketAsync(Timeout));

        Assert.Contains("no MQTT frame", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transcript_lists_what_was_sent_and_received_in_order()
    {
        await _connection.SendAsync("C0 00");
        await _peer.SendAsync(Hex.Bytes("D0 00"));
        await _connection.ExpectAsync("D0 00", Timeout);

        string[] lines = _connection.Transcript.Split('\n');

        Assert.EndsWith("-> C0 00", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("<- D0 00", lines[1], StringComparison.Ordinal);
    }
}
