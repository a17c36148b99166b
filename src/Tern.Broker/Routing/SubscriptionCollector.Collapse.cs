using System.Runtime.InteropServices;

namespace Tern.Broker.Routing;

public sealed partial class SubscriptionCollector<TSubscriber>
{
    // Scratch for the collapse, grown like the result buffers and reused.
    private readonly Dictionary<TSubscriber, int> _targetBySubscriber = new(ReferenceEqualityComparer.Instance);
    private int[] _targets = new int[InitialCapacity];
    private int[] _starts = new int[InitialCapacity];
    private int[] _fill = new int[InitialCapacity];
    private int[] _spareIdentifiers = new int[InitialCapacity];

    /// <summary>
    /// Merges the non-shared deliveries of each subscriber into one, in place: the highest granted QoS
    /// (3.1.1 MQTT-3.3.5-1, 5.0 MQTT-3.3.4-2) and every Subscription Identifier of the merged subscriptions
    /// (5.0 MQTT-3.3.4-3, MQTT-3.3.4-4). Without this step a subscriber gets one delivery per matching subscription,
    /// which the specification also allows (5.0 MQTT-3.3.4-5 then requires each copy to carry its own identifier).
    /// </summary>
    /// <remarks>
    /// Shared deliveries are left as they are: "each Shared Subscription is independent from any other" (5.0 §4.8.2),
    /// so a session that is a member of a group and also has its own matching subscription receives both.
    /// O(n) in the number of deliveries; allocates nothing once the scratch buffers have grown. Idempotent.
    /// </remarks>
    public void CollapsePerSubscriber()
    {
        if (IsCollapsed)
        {
            return;
        }

        IsCollapsed = true;
        int count = _count;
        if (count < 2)
        {
            return;
        }

        EnsureCapacity(ref _targets, count);
        EnsureCapacity(ref _starts, count);
        EnsureCapacity(ref _fill, count);

        // Pass 1: give each delivery the index of the merged delivery it joins (new ones numbered in order of first
        // appearance, so a target index is never past the delivery that creates it) and count identifiers per target.
        int merged = 0;
        for (int i = 0; i < count; i++)
        {
            ref readonly var match = ref _matches[i];
            int target;
            if (match.SharedGroup is not null)
            {
                target = merged++;
                _fill[target] = 0;
            }
            else
            {
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_targetBySubscriber, match.Subscriber, out bool exists);
                if (!exists)
                {
                    slot = merged++;
                    _fill[slot] = 0;
                }

                target = slot;
            }

            _targets[i] = target;
            _fill[target] += match.IdentifierCount;
        }

        _targetBySubscriber.Clear();
        if (merged == count)
        {
            return;
        }

        // Identifiers of each merged delivery become contiguous: prefix sums give where each target's run starts.
        int total = 0;
        for (int t = 0; t < merged; t++)
        {
            _starts[t] = total;
            total += _fill[t];
            _fill[t] = _starts[t];
        }

        EnsureCapacity(ref _spareIdentifiers, total);

        // Pass 2: scatter identifiers and merge deliveries in place (writes only land at indexes already read).
        int next = 0;
        for (int i = 0; i < count; i++)
        {
            var match = _matches[i];
            int target = _targets[i];
            _identifiers.AsSpan(match.IdentifierStart, match.IdentifierCount).CopyTo(_spareIdentifiers.AsSpan(_fill[target]));
            _fill[target] += match.IdentifierCount;
            int identifierCount = _fill[target] - _starts[target];

            if (target == next)
            {
                next++;
                _matches[target] = new MatchedSubscription<TSubscriber>(
                    match.Subscriber, match.Options, match.SharedGroup, _starts[target], identifierCount, match.SubscriptionCount);
                continue;
            }

            var into = _matches[target];
            var options = into.Options with
            {
                GrantedQoS = match.Options.GrantedQoS > into.Options.GrantedQoS ? match.Options.GrantedQoS : into.Options.GrantedQoS,
                RetainAsPublished = into.Options.RetainAsPublished && match.Options.RetainAsPublished,
                SubscriptionIdentifier = into.Options.SubscriptionIdentifier != 0 ? into.Options.SubscriptionIdentifier : match.Options.SubscriptionIdentifier,
            };
            _matches[target] = new MatchedSubscription<TSubscriber>(
                into.Subscriber, options, null, _starts[target], identifierCount, into.SubscriptionCount + match.SubscriptionCount);
        }

        (_identifiers, _spareIdentifiers) = (_spareIdentifiers, _identifiers);
        _identifierCount = total;
        Array.Clear(_matches, merged, count - merged);
        _count = merged;
    }

    private static void EnsureCapacity(ref int[] buffer, int needed)
    {
        if (buffer.Length < needed)
        {
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
        }
    }
}
