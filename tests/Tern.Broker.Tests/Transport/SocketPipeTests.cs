using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Tern.Broker.Transport;
using Tern.Broker.Transport.Epoll;

namespace Tern.Broker.Tests.Transport;

/// <summary>
/// The socket transport's reader and writer on a real loopback socket pair: the non-blocking send first, the
/// asynchronous send only for what the kernel cannot take, and the read loop's zero-byte wait. Each test runs on both
/// engines of the transport: the runtime's sockets and, where it runs (Linux x86-64), Tern's own epoll loop.
/// </summary>
public sealed class SocketPipeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The engines this machine runs: "runtime" everywhere, "epoll" on Linux x86-64.</summary>
    public static TheoryData<string> Engines => LinuxSockets.IsSupported ? new("runtime", "epoll") : new("runtime");

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_small_flush_is_sent_without_going_asynchronous_and_keeps_no_buffer(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var writer = new SocketPipeWriter(pair.Server);

        writer.Write(new byte[] { 0x20, 0x02, 0x00, 0x00 });
        var flush = writer.FlushAsync();

        Assert.True(flush.IsCompletedSuccessfully, "a 4-byte flush went asynchronous");
        Assert.Equal(0, writer.BufferCapacity);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, await pair.ReadFromServerAsync(4));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_flush_the_kernel_cannot_take_at_once_completes_when_the_peer_reads_and_keeps_the_byte_order(string engine)
    {
        // A fixed send buffer (no autotuning) and a peer that does not read yet: 8 MiB cannot all be sent at once.
        using var pair = await SocketPair.CreateAsync(engine, sendBufferSize: 64 * 1024);
        pair.Client.ReceiveBufferSize = 64 * 1024;
        var writer = new SocketPipeWriter(pair.Server);
        var payload = new byte[8 * 1024 * 1024];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i * 31 + (i >> 16));
        }

        writer.Write(payload);
        var flush = writer.FlushAsync();
        Assert.False(flush.IsCompleted, "8 MiB went into a 64 KiB send buffer without waiting");

        var received = await pair.ReadFromServerAsync(payload.Length);
        var result = await flush.AsTask().WaitAsync(Timeout);

        Assert.False(result.IsCompleted);
        Assert.Equal(payload, received);
        Assert.Equal(0, writer.BufferCapacity);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_flush_after_the_peer_reset_fails_with_a_connection_exception_and_returns_the_buffer(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var writer = new SocketPipeWriter(pair.Server);
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();

        // The first send may still be taken by the kernel before the RST is seen; a later one fails.
        var deadline = DateTime.UtcNow + Timeout;
        Exception? failure = null;
        while (failure is null && DateTime.UtcNow < deadline)
        {
            writer.Write(new byte[1024]);
            try
            {
                await writer.FlushAsync().AsTask().WaitAsync(Timeout);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        Assert.True(failure is ConnectionResetException or ConnectionAbortedException or IOException, $"unexpected {failure}");
        Assert.Equal(0, writer.BufferCapacity);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task The_zero_byte_wait_completes_when_bytes_arrive_and_the_read_after_it_completes_at_once(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var reader = new SocketPipeReader(pair.Server);

        var wait = reader.WaitForDataAsync();
        Assert.False(wait.IsCompleted, "the wait completed with nothing sent");
        Assert.Equal(0, reader.BufferCapacity);

        await pair.Client.SendAsync(new byte[] { 1, 2, 3 });
        await wait.AsTask().WaitAsync(Timeout);
        var read = reader.ReadAsync();

        Assert.True(read.IsCompletedSuccessfully, "the read after the wait suspended");
        var result = await read;
        Assert.Equal(new byte[] { 1, 2, 3 }, result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.End);
        Assert.Equal(0, reader.BufferCapacity);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task CancelPendingRead_ends_a_pending_wait_and_the_next_read_is_canceled(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var reader = new SocketPipeReader(pair.Server);
        var wait = reader.WaitForDataAsync();
        Assert.False(wait.IsCompleted);

        reader.CancelPendingRead();
        await wait.AsTask().WaitAsync(Timeout);
        var result = await reader.ReadAsync().AsTask().WaitAsync(Timeout);

        Assert.True(result.IsCanceled);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_reset_during_the_wait_reaches_the_read_loop_as_a_connection_reset(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var reader = new SocketPipeReader(pair.Server);
        var wait = reader.WaitForDataAsync();
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();

        // Linux completes a zero-byte receive without taking the error; the read after it reports the reset. Where a
        // platform fails the wait itself, TranslateError gives the read loop the same exception.
        Exception? error = null;
        try
        {
            await wait.AsTask().WaitAsync(Timeout);
            await reader.ReadAsync().AsTask().WaitAsync(Timeout);
        }
        catch (Exception ex)
        {
            error = ex is SocketException ? reader.TranslateError(ex) : ex;
        }

        Assert.IsType<ConnectionResetException>(error);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_canceled_receive_ends_with_OperationCanceledException_and_the_socket_still_reads(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var buffer = new byte[16];
        using var cancel = new CancellationTokenSource();
        var receive = pair.Server.ReceiveAsync(buffer, cancel.Token);
        Assert.False(receive.IsCompleted, "a receive completed with nothing sent");

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.AsTask().WaitAsync(Timeout));

        await pair.Client.SendAsync(new byte[] { 7, 8, 9 });
        int received = await pair.Server.ReceiveAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal(new byte[] { 7, 8, 9 }, buffer[..received]);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Closing_the_socket_ends_a_pending_receive_with_an_error_instead_of_leaving_it_parked(string engine)
    {
        using var pair = await SocketPair.CreateAsync(engine);
        var receive = pair.Server.ReceiveAsync(new byte[16]);
        Assert.False(receive.IsCompleted);

        pair.Server.Close();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => receive.AsTask().WaitAsync(Timeout));
        Assert.True(error is ObjectDisposedException or SocketException, $"unexpected {error}");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task A_receive_into_a_buffer_smaller_than_what_arrived_leaves_the_rest_for_the_next_wait(string engine)
    {
        // Edge-triggered readiness: a full buffer must count as "more may be there", or the rest would wait for an edge
        // that never comes.
        using var pair = await SocketPair.CreateAsync(engine);
        await pair.Client.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6 });
        var small = new byte[4];
        await pair.Server.ReceiveAsync(Memory<byte>.Empty).AsTask().WaitAsync(Timeout);
        Assert.Equal(4, await pair.Server.ReceiveAsync(small).AsTask().WaitAsync(Timeout));

        var wait = pair.Server.ReceiveAsync(Memory<byte>.Empty);
        await wait.AsTask().WaitAsync(Timeout);
        Assert.Equal(2, await pair.Server.ReceiveAsync(small).AsTask().WaitAsync(Timeout));
        Assert.Equal(new byte[] { 5, 6 }, small[..2]);
    }

    /// <summary>
    /// Two connected loopback sockets; the server side is the transport's <see cref="StreamSocket"/> of the engine,
    /// accepted as the listener accepts it (for epoll: <c>accept4</c> on the blocking listening descriptor).
    /// </summary>
    private sealed class SocketPair : IDisposable
    {
        private SocketPair(StreamSocket server, Socket client)
        {
            Server = server;
            Client = client;
        }

        public StreamSocket Server { get; }

        public Socket Client { get; }

        public static async Task<SocketPair> CreateAsync(string engine, int? sendBufferSize = null)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (sendBufferSize is { } size)
            {
                // Accepted sockets inherit the listener's buffer size (and lose autotuning with it).
                listener.SendBufferSize = size;
            }

            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = new CancellationTokenSource(Timeout);
            if (engine == "runtime")
            {
                var accept = listener.AcceptAsync(timeout.Token);
                await client.ConnectAsync(listener.LocalEndPoint!, timeout.Token);
                return new SocketPair(new RuntimeStreamSocket(await accept), client);
            }

            // The handshake completes in the kernel, so the blocking accept4 after the connect returns at once.
            await client.ConnectAsync(listener.LocalEndPoint!, timeout.Token);
            var address = new byte[LinuxSockets.AddressBufferSize];
            int fd = LinuxSockets.Accept((int)listener.SafeHandle.DangerousGetHandle(), address, out int length);
            Assert.True(fd >= 0, $"accept4 failed: errno {-fd}");
            Assert.Equal(0, EpollSocket.TryCreate(fd, LinuxSockets.ToEndPoint(address.AsSpan(0, length)), out var server));
            Assert.Equal(client.LocalEndPoint, server!.RemoteEndPoint);
            return new SocketPair(server, client);
        }

        public async Task<byte[]> ReadFromServerAsync(int count)
        {
            var bytes = new byte[count];
            using var timeout = new CancellationTokenSource(Timeout);
            int read = 0;
            while (read < count)
            {
                int n = await Client.ReceiveAsync(bytes.AsMemory(read), SocketFlags.None, timeout.Token);
                Assert.NotEqual(0, n);
                read += n;
            }

            return bytes;
        }

        public void Dispose()
        {
            Server.Close();
            Client.Dispose();
        }
    }
}
