using System.Buffers;
using System.Threading.Channels;
using Tern.Client.Internal;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client;

public sealed partial class MqttClient
{
    /// <summary>Subscribes to one Topic Filter. See <see cref="SubscribeAsync(IReadOnlyList{MqttTopicFilter}, CancellationToken)"/>.</summary>
    public Task<MqttSubscription> SubscribeAsync(string topicFilter, QualityOfService qos = QualityOfService.AtMostOnce, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttTopicFilter(topicFilter, qos)], cancellationToken);

    /// <summary>
    /// Sends SUBSCRIBE and returns once the SUBACK came: the subscription's <see cref="MqttSubscription.Result"/> holds one
    /// reason code per filter, and its stream yields the matching messages (retained ones included) from then on. While a
    /// reconnect is under way this waits for it.
    /// </summary>
    /// <exception cref="ArgumentException">No filter, or a filter the codec refuses (empty, U+0000, QoS 3).</exception>
    /// <exception cref="MqttClientException">Not connected, or the connection was lost before SUBACK.</exception>
    public Task<MqttSubscription> SubscribeAsync(IReadOnlyList<MqttTopicFilter> filters, CancellationToken cancellationToken = default) =>
        SubscribeAsync(filters, null, cancellationToken);

    /// <summary>
    /// Subscribes with 5.0 SUBSCRIBE properties: a Subscription Identifier, by which the broker tags every message
    /// this subscription matches (the client routes such messages by it), and User Properties. See
    /// <see cref="SubscribeAsync(IReadOnlyList{MqttTopicFilter}, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The Subscription Identifier is 0 or above 268,435,455.</exception>
    /// <exception cref="NotSupportedException">Properties with MQTT 3.1.1, or a Subscription Identifier with a broker that announced Subscription Identifiers Available 0.</exception>
    public async Task<MqttSubscription> SubscribeAsync(IReadOnlyList<MqttTopicFilter> filters, MqttSubscribeOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0)
        {
            throw new ArgumentException("Subscribe to at least one Topic Filter.", nameof(filters));
        }

        byte[] properties = [];
        if (options is not null && (options.SubscriptionIdentifier is not null || options.UserProperties.Count > 0))
        {
            if (_options.ProtocolVersion != ProtocolVersion.V500)
            {
                throw new NotSupportedException("SUBSCRIBE properties (Subscription Identifier, User Properties) need MQTT 5.0.");
            }

            var builder = new PropertyBuilder();
            if (options.SubscriptionIdentifier is { } identifier)
            {
                ArgumentOutOfRangeException.ThrowIfZero(identifier, nameof(options));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(identifier, MqttSubscribeOptions.MaxSubscriptionIdentifier, nameof(options));
                if (LastConnectResult is { SubscriptionIdentifiersAvailable: false })
                {
                    // 5.0 §3.2.2.3.12: the broker would close the connection with DISCONNECT 0xA1.
                    throw new NotSupportedException("The broker does not support Subscription Identifiers (0xA1).");
                }

                builder.AddVariableByteInteger(PropertyId.SubscriptionIdentifier, (int)identifier);
            }

            MessageEncoding.AddUserProperties(builder, options.UserProperties);
            properties = builder.Span.ToArray();
        }

        var subscription = new MqttSubscription(this, filters, _options.SubscriptionBufferCapacity, subscriptionIdentifier: options?.SubscriptionIdentifier, properties: properties);
        return await SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
    }

    private async Task<MqttSubscription> SubscribeAsync(MqttSubscription subscription, CancellationToken cancellationToken)
    {
        var filters = subscription.Filters;
        var requests = filters.Select(f => f.ToRequest()).ToArray();
        var connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Registered before SUBSCRIBE leaves: the retained messages that follow the SUBACK must find it.
        var request = new PendingRequest(isRestore: false, filters.Count);
        byte[] packet;
        lock (_sync)
        {
            if (!_ids.TryAllocate(out ushort id))
            {
                throw new MqttClientException("all 65,535 packet identifiers are in use");
            }

            var writer = new ArrayBufferWriter<byte>();
            try
            {
                SubscribePacket.Write(writer, id, requests, subscription.Properties, connection.Version);
            }
            catch
            {
                _ids.Release(id);
                throw;
            }

            packet = writer.WrittenSpan.ToArray();
            _requests[id] = request;
            _subscriptions.Add(subscription);
            connection.Enqueue(OutboundPacket.ForRaw(packet));
        }

        try
        {
            subscription.Result = (MqttSubscribeResult)await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            lock (_sync)
            {
                _subscriptions.Remove(subscription);
            }

            subscription.Complete(null);
            throw;
        }
    }

    /// <summary>
    /// Sends UNSUBSCRIBE for <paramref name="topicFilters"/> and awaits UNSUBACK; local subscriptions lose those filters,
    /// and one left with none ends its stream.
    /// </summary>
    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("Unsubscribe from at least one Topic Filter.", nameof(topicFilters));
        }

        var connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        var request = new PendingRequest(isRestore: false, topicFilters.Count);
        lock (_sync)
        {
            if (!_ids.TryAllocate(out ushort id))
            {
                throw new MqttClientException("all 65,535 packet identifiers are in use");
            }

            var writer = new ArrayBufferWriter<byte>();
            try
            {
                UnsubscribePacket.Write(writer, id, topicFilters.ToArray(), default, connection.Version);
            }
            catch
            {
                _ids.Release(id);
                throw;
            }

            _requests[id] = request;
            connection.Enqueue(OutboundPacket.ForRaw(writer.WrittenSpan.ToArray()));
        }

        var result = (MqttUnsubscribeResult)await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var removed = topicFilters.ToHashSet(StringComparer.Ordinal);
        List<MqttSubscription> ended = [];
        lock (_sync)
        {
            foreach (var subscription in _subscriptions)
            {
                if (subscription.RemoveFilters(removed))
                {
                    ended.Add(subscription);
                }
            }

            _subscriptions.RemoveAll(ended.Contains);
        }

        foreach (var subscription in ended)
        {
            subscription.Complete(null);
        }

        return result;
    }

    /// <summary>Unsubscribes from one Topic Filter.</summary>
    public Task<MqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
        UnsubscribeAsync([topicFilter], cancellationToken);

    internal async Task RemoveSubscriptionAsync(MqttSubscription subscription)
    {
        List<string> unused;
        bool connected;
        lock (_sync)
        {
            if (!_subscriptions.Remove(subscription))
            {
                return;
            }

            var stillUsed = _subscriptions.SelectMany(s => s.Filters).Select(f => f.Filter).ToHashSet(StringComparer.Ordinal);
            unused = [.. subscription.Filters.Select(f => f.Filter).Where(f => !stillUsed.Contains(f)).Distinct(StringComparer.Ordinal)];
            connected = _connection is { IsClosing: false };
        }

        if (unused.Count > 0 && connected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                await UnsubscribeAsync(unused, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttClientException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection went away meanwhile: with it went the subscription (or the session keeps it until expiry).
            }
        }
    }

    /// <summary>An internal subscription whose messages are consumed by the client itself (responses), dropping old ones if unread.</summary>
    private MqttSubscription CreateInternalSubscription(IReadOnlyList<MqttTopicFilter> filters) =>
        new(this, filters, 16, BoundedChannelFullMode.DropOldest);

    // Under _sync, on a new connection without a session: SUBSCRIBE again to every filter still wanted. Subscriptions
    // without properties share one SUBSCRIBE; one with a Subscription Identifier or User Properties gets its own, as
    // the properties belong to the packet.
    private int RestoreSubscriptions(ClientConnection connection)
    {
        var plain = _subscriptions.Where(s => s.Properties.Length == 0).SelectMany(s => s.Filters)
            .DistinctBy(f => f.Filter, StringComparer.Ordinal).Select(f => f.ToRequest()).ToArray();
        int restored = Resubscribe(connection, plain, []);
        foreach (var subscription in _subscriptions.Where(s => s.Properties.Length > 0))
        {
            restored += Resubscribe(connection, [.. subscription.Filters.Select(f => f.ToRequest())], subscription.Properties);
        }

        return restored;
    }

    // Under _sync.
    private int Resubscribe(ClientConnection connection, SubscriptionRequest[] filters, byte[] properties)
    {
        if (filters.Length == 0 || !_ids.TryAllocate(out ushort id))
        {
            return 0;
        }

        var writer = new ArrayBufferWriter<byte>();
        SubscribePacket.Write(writer, id, filters, properties, connection.Version);
        _requests[id] = new PendingRequest(isRestore: true, filters.Length);
        connection.Enqueue(OutboundPacket.ForRaw(writer.WrittenSpan.ToArray()));
        return filters.Length;
    }

    private static MqttSubscribeResult ToResult(in SubAckPacket subAck) => new()
    {
        ReasonCodes = subAck.ReasonCodes.ToArray(),
        ReasonString = subAck.Properties.GetStringOrNull(PropertyId.ReasonString),
        UserProperties = MessageEncoding.UserProperties(subAck.Properties),
    };
}
