using Microsoft.AspNetCore.Http.Features;

namespace Tern.Broker.Transport;

/// <summary>
/// <c>ConnectionContext.Features</c> without a collection per connection: a
/// plain TCP connection has no features (no TLS, no HTTP), so reads answer null until someone sets one.
/// </summary>
internal sealed partial class SocketConnection : IFeatureCollection
{
    private FeatureCollection? _features;

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _features?.Revision ?? 0;

    object? IFeatureCollection.this[Type key]
    {
        get => _features?[key];
        set => (_features ??= new FeatureCollection())[key] = value;
    }

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default => _features is null ? default : _features.Get<TFeature>();

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default => (_features ??= new FeatureCollection()).Set(instance);

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator() =>
        (_features ?? (IEnumerable<KeyValuePair<Type, object>>)[]).GetEnumerator();
}
