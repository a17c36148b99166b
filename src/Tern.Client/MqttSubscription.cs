using System.Text;
using System.Threading.Channels;
using Tern.Protocol.Topics;

namespace Tern.Client;

/// <summary>
/// The messages of one SUBSCRIBE, read as an async stream: <c>await foreach (var message in subscription)</c>.
/// Messages wait in a bounded buffer (<see cref="MqttClientOptions.SubscriptionBufferCapacity"/>); when it is full the
/// client stops reading from the network until there is room, so a slow reader slows the broker down instead of losing
/// messages. Disposing unsubscribes (filters no other live subscription uses) and ends the stream.
/// </summary>
/// <remarks>
/// Messages are matched to subscriptions by their topic, so overlapping subscriptions each see a message; a 5.0
/// message that carries Subscription Identifiers goes to the subscriptions with those identifiers (see
/// <see cref="MqttSubscribeOptions.SubscriptionIdentifier"/>) and to those without one whose filters match. The stream
/// survives reconnects; it ends when the subscription is disposed or unsubscribed, on <see cref="MqttClient.DisconnectAsync(CancellationToken)"/>,
/// or (with an exception) when the connection is lost for good.
/// </remarks>
public sealed class MqttSubscription : IAsyncEnumerable<MqttMessage>, IAsyncDisposable
{
    private readonly MqttClient _client;
    private readonly Channel<MqttMessage> _channel;
    private byte[][] _matchFilters;
    private int _disposed;

    internal MqttSubscription(MqttClient client, IReadOnlyList<MqttTopicFilter> filters, int capacity, BoundedChannelFullMode fullMode = BoundedChannelFullMode.Wait, uint? subscriptionIdentifier = null, byte[]? properties = null)
    {
        _client = client;
        Filters = filters;
        SubscriptionIdentifier = subscriptionIdentifier;
        Properties = properties ?? [];
        _channel = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(capacity) { FullMode = fullMode, SingleWriter = true });
        _matchFilters = [.. filters.Select(f => MatchFilter(f.Filter))];
    }

    /// <summary>The Topic Filters subscribed to, with their options.</summary>
    public IReadOnlyList<MqttTopicFilter> Filters { get; private set; }

    /// <summary>The 5.0 Subscription Identifier sent with the SUBSCRIBE, or null.</summary>
    public uint? SubscriptionIdentifier { get; }

    /// <summary>The broker's SUBACK for these filters.</summary>
    public MqttSubscribeResult Result { get; internal set; } = new();

    /// <summary>The buffer of received messages, for callers that prefer a <see cref="ChannelReader{T}"/>.</summary>
    public ChannelReader<MqttMessage> Reader => _channel.Reader;

    /// <summary>Waits for the next message.</summary>
    /// <exception cref="ChannelClosedException">The subscription ended.</exception>
    public ValueTask<MqttMessage> ReadAsync(CancellationToken cancellationToken = default) => _channel.Reader.ReadAsync(cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerator<MqttMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Unsubscribes the filters no other subscription of this client uses and ends the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Complete(null);
            await _client.RemoveSubscriptionAsync(this).ConfigureAwait(false);
        }
    }

    /// <summary>The SUBSCRIBE's 5.0 properties, encoded (sent again when the subscription is restored).</summary>
    internal byte[] Properties { get; }

    /// <summary>
    /// Whether a received message is for this subscription: by Subscription Identifier when both have them (the
    /// broker's own answer, exact even for overlapping filters), else by topic.
    /// </summary>
    internal bool Accepts(ReadOnlySpan<byte> topic, IReadOnlyList<uint> subscriptionIdentifiers) =>
        SubscriptionIdentifier is { } identifier && subscriptionIdentifiers.Count > 0
            ? subscriptionIdentifiers.Contains(identifier)
            : Matches(topic);

    internal bool Matches(ReadOnlySpan<byte> topic)
    {
        foreach (byte[] filter in _matchFilters)
        {
            if (TopicFilter.IsMatch(filter, topic))
            {
                return true;
            }
        }

        return false;
    }

    internal async ValueTask WriteAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Disposed while the read loop waited for room: the message is not for anyone any more.
        }
    }

    internal void Complete(Exception? error) => _channel.Writer.TryComplete(error);

    /// <summary>Forgets filters that were unsubscribed; true when none is left.</summary>
    internal bool RemoveFilters(IReadOnlyCollection<string> removed)
    {
        Filters = [.. Filters.Where(f => !removed.Contains(f.Filter))];
        _matchFilters = [.. Filters.Select(f => MatchFilter(f.Filter))];
        return Filters.Count == 0;
    }

    // A Shared Subscription's messages match the filter after "$share/<name>/" (5.0 §4.8.2).
    private static byte[] MatchFilter(string filter)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(filter);
        return SharedSubscription.TryParse(bytes, out _, out var inner) ? inner.ToArray() : bytes;
    }
}
