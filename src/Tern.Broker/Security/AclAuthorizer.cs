namespace Tern.Broker;

/// <summary>
/// The <see cref="IMqttAuthorizer"/> of an ACL file: every check reads the current <see cref="AclFile"/> snapshot, and
/// <see cref="Update"/> swaps in a new one atomically, so a reload takes effect on the next PUBLISH, SUBSCRIBE or
/// delivery of every connected client (a revoked right stops at once, RELIABILITY E7).
/// </summary>
/// <remarks>
/// Cost of a check: the rules of the client's section plus the patterns, each compared once, O(length of the topic)
/// per rule without allocation (patterns are resolved into a stack buffer). Thread-safe.
/// </remarks>
public sealed class AclAuthorizer : IMqttAuthorizer
{
    private AclFile _acl;

    /// <summary>Authorizes with <paramref name="acl"/> until <see cref="Update"/> replaces it.</summary>
    public AclAuthorizer(AclFile acl)
    {
        ArgumentNullException.ThrowIfNull(acl);
        _acl = acl;
    }

    /// <summary>The snapshot in force.</summary>
    public AclFile Acl => Volatile.Read(ref _acl);

    /// <summary>Puts a new snapshot in force for every later check.</summary>
    public void Update(AclFile acl)
    {
        ArgumentNullException.ThrowIfNull(acl);
        Volatile.Write(ref _acl, acl);
    }

    /// <inheritdoc/>
    public bool CanPublish(MqttClientContext client, ReadOnlySpan<byte> topicName) => Acl.CanPublish(client, topicName);

    /// <inheritdoc/>
    /// <remarks>
    /// Allowed only when one read grant contains every Topic Name the filter can match and no deny rule shares a Topic
    /// Name with it: read on <c>a/b/#</c> does not allow subscribing to <c>a/#</c> or <c>#</c>.
    /// </remarks>
    public bool CanSubscribe(MqttClientContext client, ReadOnlySpan<byte> topicFilter) => Acl.CanSubscribe(client, topicFilter);

    /// <inheritdoc/>
    public bool CanReceive(MqttClientContext client, ReadOnlySpan<byte> topicName) => Acl.CanReceive(client, topicName);
}
