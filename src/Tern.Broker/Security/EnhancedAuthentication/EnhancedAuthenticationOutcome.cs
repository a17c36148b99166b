namespace Tern.Broker;

/// <summary>What an <see cref="IEnhancedAuthenticationExchange"/> step decided.</summary>
public enum EnhancedAuthenticationOutcome
{
    /// <summary>More is needed from the client: the broker sends AUTH 0x18 (Continue authentication, [MQTT-4.12.0-2] in 5.0).</summary>
    Continue,

    /// <summary>The client is authenticated: CONNACK 0x00, or AUTH 0x00 at the end of a re-authentication.</summary>
    Success,

    /// <summary>The client is refused: CONNACK (or, on re-authentication, DISCONNECT) with the reason code, then close ([MQTT-4.12.0-4], [MQTT-4.12.1-2] in 5.0).</summary>
    Failure,
}
