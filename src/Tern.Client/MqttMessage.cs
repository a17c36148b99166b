using System.Text;
using Tern.Protocol;

namespace Tern.Client;

/// <summary>
/// An Application Message, sent with <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/> or received
/// from a subscription. The MQTT 5.0 properties are ignored when the connection speaks 3.1.1.
/// </summary>
/// <param name="Topic">The Topic Name (no wildcards).</param>
/// <param name="Payload">The payload; empty is allowed (a zero-byte retained message clears the retained one).</param>
public sealed record MqttMessage(string Topic, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Creates a message whose payload is <paramref name="payload"/> in UTF-8.</summary>
    public MqttMessage(string topic, string payload)
        : this(topic, Encoding.UTF8.GetBytes(payload ?? throw new ArgumentNullException(nameof(payload))))
    {
    }

    /// <summary>The quality of service it is published or was delivered with. Default 0.</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; init; }

    /// <summary>The DUP flag of a received message: the broker may have sent it before.</summary>
    public bool Duplicate { get; init; }

    /// <summary>5.0 Payload Format Indicator: true when the payload is UTF-8 text, false for bytes, null when absent.</summary>
    public bool? PayloadIsUtf8 { get; init; }

    /// <summary>5.0 Message Expiry Interval in seconds, or null (never expires).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>5.0 Content Type, e.g. <c>application/json</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>5.0 Response Topic: where a responder publishes its answer (see <see cref="MqttClient.RequestAsync"/>).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>5.0 Correlation Data: ties a response to its request. Null when absent.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>5.0 User Properties, in order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>5.0 Subscription Identifiers of the subscriptions that matched a received message.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadAsString() => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>An MQTT 5.0 User Property: a name and a value, both UTF-8 strings; a name may repeat.</summary>
/// <param name="Name">The name.</param>
/// <param name="Value">The value.</param>
public readonly record struct MqttUserProperty(string Name, string Value);
