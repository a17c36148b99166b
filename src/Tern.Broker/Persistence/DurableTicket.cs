namespace Tern.Broker.Persistence;

/// <summary>Told when every copy of a publish was acknowledged by its subscriber before the publish's commit.</summary>
internal interface IDeliveredAnswer
{
    /// <summary>Every copy registered with the ticket armed with <paramref name="token"/> was acknowledged. Runs on the thread of the last acknowledgement (which may hold a session's lock), or on the arming thread.</summary>
    void Delivered(long token);
}

/// <summary>
/// The copies of one QoS 1 PUBLISH that were queued for persistent sessions (ack durability), so that the publisher's
/// PUBACK can go as soon as either their commit is durable or every copy was acknowledged by its subscriber, whichever
/// comes first. A message delivered to and acknowledged by every persistent session it was routed to can no longer be
/// lost, so waiting for its commit would protect nothing (docs/persistence.md, "Delivered before stored").
/// </summary>
/// <remarks>
/// Created by the <see cref="DurableWriter"/> for the first copy a publish queues (<see cref="DurableWriter.BeginTicket"/>),
/// armed by the channel once routing is done, and retired once the commit's answer ran (or when the publish did more
/// than queue QoS 1 copies, e.g. a retained message, which must be stored before the PUBACK whatever the subscribers do).
/// Only acknowledgements count (<see cref="MessageAcknowledged"/>): a copy dropped, expired or handed to another member
/// of a shared subscription leaves the ticket waiting for the commit.
/// </remarks>
internal sealed class DurableTicket
{
    private readonly DurableWriter _writer;
    private MessageQueued? _first;
    private List<MessageQueued>? _more;

    // Copies not yet acknowledged, plus one until Arm: the ticket cannot fire while routing still adds copies.
    private int _pending = 1;
    private IDeliveredAnswer? _target;
    private long _token;

    internal DurableTicket(DurableWriter writer) => _writer = writer;

    /// <summary>The records of the copies (for <see cref="DurableWriter"/> to forget them at retirement).</summary>
    internal int CopyCount => _first is null ? 0 : 1 + (_more?.Count ?? 0);

    internal MessageQueued CopyAt(int index) => index == 0 ? _first! : _more![index - 1];

    /// <summary>Registers a copy; called on the publisher's thread while it routes, before the copy can be sent.</summary>
    internal void Add(MessageQueued copy)
    {
        Interlocked.Increment(ref _pending);
        if (_first is null)
        {
            _first = copy;
        }
        else
        {
            (_more ??= []).Add(copy);
        }
    }

    /// <summary>
    /// Routing is done: <paramref name="target"/> gets <see cref="IDeliveredAnswer.Delivered"/> with
    /// <paramref name="token"/> once every copy is acknowledged — at once if they all were already.
    /// </summary>
    public void Arm(IDeliveredAnswer target, long token)
    {
        _target = target;
        _token = token;
        Release();
    }

    /// <summary>The commit's answer ran: nothing is waited for any more, the copies are forgotten.</summary>
    public void Retire() => _writer.Retire(this);

    /// <summary>One registered copy was acknowledged by its subscriber.</summary>
    internal void CopyAcknowledged() => Release();

    private void Release()
    {
        // Interlocked: a full fence, so the thread that brings the count to 0 sees the target Arm wrote before it.
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _target!.Delivered(_token);
        }
    }
}
