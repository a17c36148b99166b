namespace Tern.Broker;

/// <summary>Where a connection stands in enhanced authentication.</summary>
internal enum EnhancedAuthenticationState
{
    /// <summary>Created from CONNECT; <see cref="EnhancedAuthenticationSession.StartAsync"/> not yet called.</summary>
    NotStarted,

    /// <summary>The initial exchange: CONNACK not yet sent.</summary>
    Authenticating,

    /// <summary>CONNACK 0x00 sent; no exchange in progress.</summary>
    Authenticated,

    /// <summary>A re-authentication (AUTH 0x19) in progress; other packets keep flowing under the previous authentication.</summary>
    Reauthenticating,

    /// <summary>Failed or disconnected: the channel closes the connection.</summary>
    Closed,
}
