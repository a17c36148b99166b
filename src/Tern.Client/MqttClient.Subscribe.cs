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
    public async Task<MqttSubscription> SubscribeAsync(IReadOnlyList<MqttTopicFilter> filters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0)
        {
            throw new ArgumentException("Subscribe to at least one Topic Filter.", nameof(filters));
        }

        return await SubscribeAsync(new MqttSubscription(this, filters, _options.SubscriptionBufferCapacity), cancellationToken).ConfigureAwait(false);
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
                SubscribePacket.Write(writer, id, requests, default, connection.Version);
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

    // Under _sync, on a new connection without a session: SUBSCRIBE again to every filter still wanted.
    private int RestoreSubscriptions(ClientConnection connection)
    {
        var filters = _subscriptions.SelectMany(s => s.Filters).DistinctBy(f => f.Filter, StringComparer.Ordinal).Select(f => f.ToRequest()).ToArray();
        if (filters.Length == 0 || !_ids.TryAllocate(out ushort id))
        {
            return 0;
        }

        var writer = new ArrayBufferWriter<byte>();
        SubscribePacket.Write(writer, id, filters, default, connection.Version);
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
