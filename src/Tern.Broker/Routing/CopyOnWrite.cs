namespace Tern.Broker.Routing;

/// <summary>
/// Copy-on-write edits of the immutable arrays that readers traverse without a lock. A published array is never
/// written again; the writer builds a new one and publishes it with <see cref="Volatile.Write{T}(ref T, T)"/>.
/// Each edit costs O(n) in the array's length: the price of lock-free reads with no per-read bookkeeping.
/// </summary>
internal static class CopyOnWrite
{
    /// <summary>Returns a copy with the subscriber's entry replaced, or with the entry appended.</summary>
    public static SubscriptionEntry<TSubscriber>[] Set<TSubscriber>(SubscriptionEntry<TSubscriber>[] entries, SubscriptionEntry<TSubscriber> entry, out bool replaced)
        where TSubscriber : class
    {
        int index = IndexOf(entries, entry.Subscriber);
        replaced = index >= 0;
        SubscriptionEntry<TSubscriber>[] copy;
        if (replaced)
        {
            copy = (SubscriptionEntry<TSubscriber>[])entries.Clone();
            copy[index] = entry;
        }
        else
        {
            copy = new SubscriptionEntry<TSubscriber>[entries.Length + 1];
            entries.CopyTo(copy, 0);
            copy[^1] = entry;
        }

        return copy;
    }

    /// <summary>Returns false if the subscriber has no entry; otherwise a copy without it.</summary>
    public static bool TryRemove<TSubscriber>(SubscriptionEntry<TSubscriber>[] entries, TSubscriber subscriber, out SubscriptionEntry<TSubscriber>[] updated)
        where TSubscriber : class
    {
        int index = IndexOf(entries, subscriber);
        if (index < 0)
        {
            updated = entries;
            return false;
        }

        updated = Without(entries, index);
        return true;
    }

    /// <summary>A copy of the array without the element at <paramref name="index"/>; the shared empty array when none remain.</summary>
    public static T[] Without<T>(T[] items, int index)
    {
        if (items.Length == 1)
        {
            return [];
        }

        var copy = new T[items.Length - 1];
        Array.Copy(items, 0, copy, 0, index);
        Array.Copy(items, index + 1, copy, index, items.Length - index - 1);
        return copy;
    }

    /// <summary>A copy of the array with <paramref name="item"/> appended.</summary>
    public static T[] With<T>(T[] items, T item)
    {
        var copy = new T[items.Length + 1];
        items.CopyTo(copy, 0);
        copy[^1] = item;
        return copy;
    }

    private static int IndexOf<TSubscriber>(SubscriptionEntry<TSubscriber>[] entries, TSubscriber subscriber)
        where TSubscriber : class
    {
        for (int i = 0; i < entries.Length; i++)
        {
            if (ReferenceEquals(entries[i].Subscriber, subscriber))
            {
                return i;
            }
        }

        return -1;
    }
}
