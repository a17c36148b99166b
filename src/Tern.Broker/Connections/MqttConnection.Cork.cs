namespace Tern.Broker.Connections;

/// <summary>
/// Corking: while a read loop processes a receive batch, the connections it routes PUBLISHes to and whose writer is
/// idle are written into on the read loop's thread but flushed once, when the batch ends, instead of once per packet.
/// </summary>
/// <remarks>
/// <para>Why: a publisher's receive batch often holds several PUBLISHes for the same subscriber (pairs, fan-in, a
/// durable broker whose publishers are paced by their PUBACKs). Written one by one to an idle subscriber, each was its
/// own <c>send</c>; corked, the batch is one. The subscriber's packets wait at most for the rest of the batch, which is
/// processed synchronously on this thread (microseconds), and their order is the order of <see cref="Enqueue"/>.</para>
/// <para>How: a corked connection is held by the read loop's thread exactly as the read loop holds its own connection
/// for its acknowledgements (<see cref="BeginBatch"/>): the writer role is taken and <c>_batchThread</c> names this
/// thread, so later packets from this thread are written directly and packets from other threads queue in the ring;
/// <see cref="UncorkAll"/> ends each of those batches (<see cref="EndBatch"/>: drains the ring, flushes, releases).
/// The list is per thread and bounded (<see cref="MaxCorked"/>): past it, a target is written and flushed at once as
/// before, so a batch that fans out to thousands of subscribers holds no more than that many roles.</para>
/// </remarks>
internal sealed partial class MqttConnection
{
    /// <summary>Most connections one read batch holds corked; the rest are flushed per packet.</summary>
    internal const int MaxCorked = 64;

    // The corked connections of the read batch running on this thread; null outside a batch. The array is allocated
    // once per thread, at its first batch, and reused: nothing per batch or per message.
    [ThreadStatic]
    private static MqttConnection?[]? t_corked;

    [ThreadStatic]
    private static int t_corkedCount;

    [ThreadStatic]
    private static bool t_corking;

    /// <summary>Starts corking for the read batch on this thread. Pair with <see cref="UncorkAll"/> in a finally.</summary>
    internal static void BeginCorking()
    {
        t_corked ??= new MqttConnection?[MaxCorked];
        t_corking = true;
    }

    /// <summary>Whether the calling thread is in a read batch that can still cork one more connection.</summary>
    private static bool CanCork => t_corking && t_corkedCount < MaxCorked;

    /// <summary>Remembers a connection whose writer role this thread took for its batch (called under its gate).</summary>
    private void NoteCorked()
    {
        _batchThread = Environment.CurrentManagedThreadId;
        t_corked![t_corkedCount++] = this;
    }

    /// <summary>Ends corking: flushes every corked connection, in the order they were corked.</summary>
    internal static void UncorkAll()
    {
        t_corking = false;
        var corked = t_corked;
        int count = t_corkedCount;
        t_corkedCount = 0;
        for (int i = 0; i < count; i++)
        {
            var connection = corked![i]!;
            corked[i] = null;
            connection.EndBatch();
        }
    }
}
