namespace Tern.Broker;

/// <summary>
/// An MQTT 5.0 enhanced-authentication method (5.0 §4.12), named by the Authentication Method a client puts in CONNECT,
/// typically a SASL mechanism name such as <c>SCRAM-SHA-256</c>. Embedders implement it to plug their own method into
/// the broker; <see cref="ScramMechanism"/> is the built-in one.
/// </summary>
/// <remarks>
/// One instance serves every connection, so <see cref="CreateExchange"/> must be thread-safe. Each authentication of a
/// connection (the one that ends in CONNACK, and each re-authentication started by AUTH 0x19 after it, 5.0 §4.12.1) gets
/// an exchange of its own.
/// </remarks>
public interface IEnhancedAuthenticationMechanism
{
    /// <summary>
    /// The Authentication Method this mechanism answers to, compared ordinally with the one of CONNECT and of every AUTH
    /// ([MQTT-4.12.0-5] in 5.0), e.g. <c>SCRAM-SHA-256</c>.
    /// </summary>
    string Name { get; }

    /// <summary>Starts one authentication of one connection: the initial one, or a re-authentication.</summary>
    /// <param name="context">Who is authenticating, and whether this is a re-authentication.</param>
    /// <returns>A new exchange, driven by the connection until it returns success or failure.</returns>
    IEnhancedAuthenticationExchange CreateExchange(EnhancedAuthenticationContext context);
}
