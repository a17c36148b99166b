using Tern.Broker.Messages;
using Tern.Broker.Persistence;

namespace Tern.Broker.Sessions;

/// <summary>
/// The bounded cache of a persistent session's queue: past <see cref="DurableWriter.MaxCachedMessages"/> queued
/// messages, new ones are recorded in the store and memory keeps only their key and size (the store is the source of
/// truth); when the client is connected and fewer than half the cache is left in memory, the next page is read back
/// from the store, in order, off the writer's thread and off every read loop.
/// </summary>
/// <remarks>
/// A message can leave the queue (dropped by an overflow, or the session ended) while a page holding it is being read:
/// only rows whose keys are still at the head of the stored part are taken, so a message whose delete is still on its
/// way to the store is never brought back.
/// </remarks>
internal sealed partial class MqttSession
{
    // How many page reads in a row may miss the head of the stored part before it is taken for lost.
    private const int MaxMissingHeadReads = 5;

    private bool _pageRequested;
    private long _missingHead;
    private int _missingHeadReads;

    /// <summary>Queued messages held in memory (the rest of <see cref="QueuedCount"/> is only in the store).</summary>
    public int CachedQueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _pending?.CachedCount ?? 0;
            }
        }
    }

    /// <summary>Puts back the queued messages a durable store holds beyond the first page (called at start, after <see cref="Restore"/>).</summary>
    public void RestorePagedOut(IEnumerable<StoredQueueEntry> entries)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                (_pending ??= new()).AddStored(entry);
            }
        }
    }

    // Caller holds the lock. Queues a QoS 1/2 delivery: in memory while the cache has room and nothing is kept in the
    // store only (order), else recorded in the store and remembered by key and size.
    private void Enqueue(in Delivery delivery)
    {
        var stored = Store(delivery, 0);
        _pending ??= new();
        if (stored.StoreId != 0 && _durable is { } durable && (_pending.StoredCount > 0 || _pending.CachedCount >= durable.MaxCachedMessages))
        {
            // Kept only by its queued write (its reference) until the commit; memory keeps the key and size.
            _pending.AddStored(new StoredQueueEntry(stored.StoreId, Tern.Broker.Limits.DeliveryQueue.SizeOf(stored)));
            return;
        }

        Hold(stored);
        _pending.AddLast(stored);
    }

    // Caller holds the lock. Drops the oldest queued message, in memory or in the store.
    private void DropOldestQueued()
    {
        // A head held in memory gives its reference back; one kept only in the store holds none.
        var held = _pending!.First;
        var oldest = held?.Value;
        long storeId = _pending.RemoveFirst();
        if (oldest is { } delivery)
        {
            ReleaseHeld(delivery);
        }

        if (storeId != 0)
        {
            _durable?.Write(new MessageRemoved(storeId));
        }
    }

    // Caller holds the lock. Asks for the next page when the client is connected and the memory part ran low.
    private void RequestPage(ISessionConnection? connection)
    {
        var durable = _durable;
        if (connection is null || durable is null || _pageRequested || _pending is null || !_pending.TryPeekStored(out var first) ||
            _pending.CachedCount > durable.MaxCachedMessages / 2)
        {
            return;
        }

        int limit = durable.MaxCachedMessages - _pending.CachedCount;
        long upTo = _pending.LastStoredId;
        _pageRequested = true;
        ReadPage(durable, first.StoreId, limit, upTo);
    }

    // Apart from RequestPage: a lambda there would hoist its captures into an object allocated on every call, paging
    // or not (RequestPage runs at each acknowledgement), which the 0 B guard test caught.
    private void ReadPage(DurableWriter durable, long fromStoreId, int limit, long upTo) =>
        durable.ReadQueued(ClientId, fromStoreId, limit, rows => OnPageRead(rows, limit, upTo));

    // On a thread-pool thread: merges a page read from the store into the memory part, then fills the window.
    private void OnPageRead(IReadOnlyList<StoredDelivery>? rows, int limit, long upTo)
    {
        lock (_gate)
        {
            _pageRequested = false;
            var durable = _durable;
            if (rows is null || durable is null)
            {
                // The read failed (logged): the next acknowledgement or connection asks again.
                return;
            }

            foreach (var row in rows)
            {
                if (!_pending!.TryPeekStored(out var head))
                {
                    break;
                }

                if (head.StoreId < row.StoreId)
                {
                    // The head was not in the store when it was read. Its row is not committed yet: another thread's
                    // packet recorded it in a write group that reached the writer after this read was asked for
                    // (DurableWriter.BeginGroup). Stop here; the next page starts from it.
                    if (++_missingHeadReads < MaxMissingHeadReads || head.StoreId != _missingHead)
                    {
                        _missingHeadReads = head.StoreId == _missingHead ? _missingHeadReads : 1;
                        _missingHead = head.StoreId;
                        break;
                    }

                    // Absent after several commits: not in the store at all. Never expected; dropped rather than
                    // blocking the queue forever.
                    _pending.RemoveFirstStored();
                    continue;
                }

                if (head.StoreId == row.StoreId)
                {
                    _pending.RemoveFirstStored();
                    var message = BrokerMessage.Restore(row.Message, durable.Clock);
                    _pending.AddLast(new Delivery(message, row.QoS, row.Retain, SubscriptionIdentifiers: row.SubscriptionIdentifiers, StoreId: row.StoreId));
                }

                // Otherwise the row left the queue after the read was asked for; its delete is on its way to the store.
            }

            FillWindow();
        }
    }
}
