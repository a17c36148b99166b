using Tern.Protocol;

namespace Tern.Client.Internal;

/// <summary>Where an outgoing message is in its exchange (3.1.1 §4.3, 5.0 §4.3).</summary>
internal enum PublishState
{
    /// <summary>In the publish queue: no packet identifier yet.</summary>
    Queued,

    /// <summary>QoS 0 handed to the write loop, not yet flushed.</summary>
    InTransit,

    /// <summary>QoS 1 sent, awaiting PUBACK.</summary>
    AwaitingPubAck,

    /// <summary>QoS 2 sent, awaiting PUBREC.</summary>
    AwaitingPubRec,

    /// <summary>QoS 2 PUBREC received and PUBREL sent, awaiting PUBCOMP.</summary>
    AwaitingPubComp,
}

/// <summary>
/// One outgoing Application Message from <c>PublishAsync</c> to its acknowledgement: its encoded topic and 5.0
/// properties (built once), its packet identifier while in flight, and the task the caller awaits.
/// Fields other than the completion are guarded by the client's lock.
/// </summary>
internal sealed class PendingPublish
{
    private readonly TaskCompletionSource<MqttPublishResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingPublish(MqttMessage message, byte[] topic, byte[] properties, long storeId)
    {
        Message = message;
        Topic = topic;
        Properties = properties;
        StoreId = storeId;
    }

    public MqttMessage Message { get; }

    public QualityOfService QoS => Message.QoS;

    /// <summary>The Topic Name in UTF-8.</summary>
    public byte[] Topic { get; }

    /// <summary>The 5.0 PUBLISH properties without a Topic Alias (the connection adds one when it uses aliases).</summary>
    public byte[] Properties { get; }

    /// <summary>The record's id in the durable store, or 0.</summary>
    public long StoreId { get; }

    /// <summary>Publish order: resends and requeues keep it.</summary>
    public long Sequence { get; init; }

    public ushort PacketIdentifier { get; set; }

    public PublishState State { get; set; }

    /// <summary>Written to the network at least once: a resend carries DUP ([MQTT-3.3.1-1]).</summary>
    public bool WasSent { get; set; }

    public Task<MqttPublishResult> Task => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public bool TryComplete(MqttPublishResult result) => _completion.TrySetResult(result);

    public bool TryFail(Exception exception) => _completion.TrySetException(exception);

    public bool TryCancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
