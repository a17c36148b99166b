using Tern.Broker.Security;

namespace Tern.Broker.Channel;

/// <summary>
/// The part of a channel only some connections need, created on first use: every idle connection holds a channel,
/// few of them use enhanced authentication, topic aliases, a Will Delay Interval or a Session Expiry Interval, or get
/// refused a PUBLISH or a SUBSCRIBE.
/// </summary>
internal sealed partial class MqttChannel
{
    private ChannelExtras? _extras;

    /// <summary>The rare part, created on first use; outbound aliases may create it from a publisher's thread, hence the exchange.</summary>
    private ChannelExtras Extras => Volatile.Read(ref _extras) ?? CreateExtras();

    /// <summary>The enhanced authentication of a 5.0 CONNECT with an Authentication Method, kept for re-authentication.</summary>
    private EnhancedAuthenticationSession? Authentication => _extras?.Authentication;

    /// <summary>The Will Delay Interval of the CONNECT, in seconds (0 before 5.0 and without one).</summary>
    private uint WillDelay => _extras?.WillDelay ?? 0;

    /// <summary>The Session Expiry Interval the 5.0 CONNECT asked for, before the broker's cap (0: none).</summary>
    private uint ConnectSessionExpiry => _extras?.ConnectSessionExpiry ?? 0;

    private ChannelExtras CreateExtras()
    {
        var created = new ChannelExtras();
        return Interlocked.CompareExchange(ref _extras, created, null) ?? created;
    }

    /// <summary>What <see cref="Extras"/> holds. Fields, because the once-only log flags are exchanged by reference.</summary>
    private sealed class ChannelExtras
    {
        public EnhancedAuthenticationSession? Authentication;

        /// <summary>Inbound topic aliases (5.0 §3.3.2.3.4), indexed by alias.</summary>
        public byte[]?[]? TopicAliases;

        /// <summary>The Topic Alias Maximum the client announced, when outbound aliases are on.</summary>
        public int OutboundAliasMaximum;

        /// <summary>Outbound topic → alias, created by the first aliased delivery.</summary>
        public Dictionary<string, ushort>? OutboundAliases;

        public uint WillDelay;

        public uint ConnectSessionExpiry;

        public int PublishDenials;

        public int TopicLimitLogged;

        public int SubscriptionLimitLogged;
    }
}
