namespace Tern.Broker.Transport.Epoll;

/// <summary>
/// The process's one <c>epoll</c> instance and the thread that waits on it. Each <see cref="EpollSocket"/> is registered
/// once, edge-triggered, under a key of its slot in a table and a generation (so an event for a closed socket whose slot
/// was reused is recognised and dropped); the thread only marks the socket ready and, when a reader or writer waits,
/// queues it to the thread pool. It never runs connection code.
/// </summary>
/// <remarks>
/// One thread serves every connection, as the runtime's own socket engine does on machines with fewer than 32 cores;
/// what it does per event is a table lookup and an interlocked exchange.
/// </remarks>
internal sealed class EpollLoop
{
    private const int EventsPerWait = 256;
    private static readonly Lazy<EpollLoop> s_shared = new(() => new EpollLoop(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly int _epoll;
    private readonly Lock _gate = new();
    private EpollSocket?[] _slots = new EpollSocket?[256];
    private int[] _free = new int[256];
    private int _freeCount;
    private int _used;
    private uint _generation;

    private EpollLoop()
    {
        _epoll = LinuxSockets.CreateEpoll();
        var thread = new Thread(Run) { IsBackground = true, Name = "Tern epoll" };
        thread.UnsafeStart();
    }

    /// <summary>The process's loop, started on first use.</summary>
    public static EpollLoop Shared => s_shared.Value;

    /// <summary>Sockets registered and not yet closed (for tests and diagnostics).</summary>
    public int Registered
    {
        get
        {
            lock (_gate)
            {
                return _used - _freeCount;
            }
        }
    }

    /// <summary>Gives <paramref name="socket"/> a key and registers its descriptor; returns 0 or the errno of <c>epoll_ctl</c>.</summary>
    internal int Register(EpollSocket socket, int fd)
    {
        ulong key;
        lock (_gate)
        {
            int slot;
            if (_freeCount > 0)
            {
                slot = _free[--_freeCount];
            }
            else
            {
                if (_used == _slots.Length)
                {
                    var larger = new EpollSocket?[_slots.Length * 2];
                    Array.Copy(_slots, larger, _slots.Length);
                    Volatile.Write(ref _slots, larger);
                    Array.Resize(ref _free, larger.Length);
                }

                slot = _used++;
            }

            key = ((ulong)++_generation << 32) | (uint)slot;
            socket.Key = key;
            Volatile.Write(ref _slots[slot], socket);
        }

        int error = LinuxSockets.AddEdgeTriggered(_epoll, fd, key);
        if (error != 0)
        {
            Unregister(socket);
        }

        return error;
    }

    /// <summary>Frees <paramref name="socket"/>'s slot; later events under its key are dropped. Safe to call twice.</summary>
    internal void Unregister(EpollSocket socket)
    {
        lock (_gate)
        {
            int slot = (int)(uint)socket.Key;
            if (slot < _used && ReferenceEquals(_slots[slot], socket))
            {
                _slots[slot] = null;
                _free[_freeCount++] = slot;
            }
        }
    }

    private void Run()
    {
        var events = new LinuxSockets.EpollEvent[EventsPerWait];
        while (true)
        {
            int count = LinuxSockets.Wait(_epoll, events);
            if (count == -LinuxSockets.EINTR)
            {
                // A signal (or a debugger): wait again.
                continue;
            }

            if (count < 0)
            {
                // Nothing else is expected of a valid epoll descriptor, and no connection could make progress without
                // it: end the process with the reason rather than spin or hang (the runtime's engine does the same).
                Environment.FailFast(LinuxSockets.Error(-count).Message + ": Tern's epoll loop cannot wait for events.");
            }

            for (int i = 0; i < count; i++)
            {
                // Read per event: a socket registered after the table grew is only in the new table.
                var slots = Volatile.Read(ref _slots);
                ulong key = events[i].Data;
                int slot = (int)(uint)key;
                if ((uint)slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } socket && socket.Key == key)
                {
                    socket.OnEvents(events[i].Events);
                }
            }
        }
    }
}
