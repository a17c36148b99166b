using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Tern.Broker.Connections;

namespace Tern.Broker.Transport;

/// <summary>
/// <c>ConnectionContext.Items</c> without a dictionary per connection: the one
/// item every connection has (its listener, under <see cref="MqttConnection.ListenerItemKey"/>) is answered from a
/// field; a dictionary is made only when someone writes or enumerates items.
/// </summary>
internal sealed partial class SocketConnection : IDictionary<object, object?>
{
    private Dictionary<object, object?>? _items;

    private Dictionary<object, object?> ItemDictionary => _items ??= new() { [MqttConnection.ListenerItemKey] = _owner.Options };

    int ICollection<KeyValuePair<object, object?>>.Count => _items?.Count ?? 1;

    bool ICollection<KeyValuePair<object, object?>>.IsReadOnly => false;

    ICollection<object> IDictionary<object, object?>.Keys => ItemDictionary.Keys;

    ICollection<object?> IDictionary<object, object?>.Values => ItemDictionary.Values;

    object? IDictionary<object, object?>.this[object key]
    {
        get => _items is null && IsListenerKey(key) ? _owner.Options : ItemDictionary[key];
        set => ItemDictionary[key] = value;
    }

    bool IDictionary<object, object?>.TryGetValue(object key, [MaybeNullWhen(false)] out object? value)
    {
        if (_items is null)
        {
            value = IsListenerKey(key) ? _owner.Options : null;
            return value is not null;
        }

        return _items.TryGetValue(key, out value);
    }

    bool IDictionary<object, object?>.ContainsKey(object key) => _items is null ? IsListenerKey(key) : _items.ContainsKey(key);

    void IDictionary<object, object?>.Add(object key, object? value) => ItemDictionary.Add(key, value);

    bool IDictionary<object, object?>.Remove(object key) => ItemDictionary.Remove(key);

    void ICollection<KeyValuePair<object, object?>>.Add(KeyValuePair<object, object?> item) => ItemDictionary.Add(item.Key, item.Value);

    void ICollection<KeyValuePair<object, object?>>.Clear() => ItemDictionary.Clear();

    bool ICollection<KeyValuePair<object, object?>>.Contains(KeyValuePair<object, object?> item) =>
        ((ICollection<KeyValuePair<object, object?>>)ItemDictionary).Contains(item);

    void ICollection<KeyValuePair<object, object?>>.CopyTo(KeyValuePair<object, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<object, object?>>)ItemDictionary).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<object, object?>>.Remove(KeyValuePair<object, object?> item) =>
        ((ICollection<KeyValuePair<object, object?>>)ItemDictionary).Remove(item);

    IEnumerator<KeyValuePair<object, object?>> IEnumerable<KeyValuePair<object, object?>>.GetEnumerator() => ItemDictionary.GetEnumerator();

    // Both interfaces are enumerable; the non-generic enumeration (which nothing uses) yields the items.
    IEnumerator IEnumerable.GetEnumerator() => ItemDictionary.GetEnumerator();

    private static bool IsListenerKey(object key) => key is string name && name == MqttConnection.ListenerItemKey;
}
