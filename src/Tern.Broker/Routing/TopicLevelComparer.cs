namespace Tern.Broker.Routing;

/// <summary>
/// Compares topic levels stored as <c>byte[]</c> and, through the alternate-key interface, looks them up by a
/// <see cref="ReadOnlySpan{T}"/> slice of the topic being routed, so a lookup allocates nothing.
/// </summary>
/// <remarks>
/// The hash is <see cref="HashCode"/>, seeded randomly per process: a client cannot choose levels that collide on
/// purpose to turn a child lookup into a linear scan.
/// </remarks>
internal sealed class TopicLevelComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static TopicLevelComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = default(HashCode);
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
