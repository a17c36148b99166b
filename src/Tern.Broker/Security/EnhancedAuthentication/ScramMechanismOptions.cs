namespace Tern.Broker;

/// <summary>Settings of a <see cref="ScramMechanism"/>. Every default suits a broker whose users come from <see cref="InMemoryScramCredentialStore.AddUser"/>.</summary>
public sealed class ScramMechanismOptions
{
    /// <summary>The default <see cref="MaxMessageLength"/>: 4 KiB, far above a real client message (about 100 bytes plus the user name) and small enough to parse for free.</summary>
    public const int DefaultMaxMessageLength = 4096;

    /// <summary>
    /// The secret from which the fake salt and keys of an unknown user are derived, so that the server-first-message for
    /// a user who does not exist looks like one for a user who does, and stays the same from one attempt to the next.
    /// Null (the default) means 32 random bytes drawn when the mechanism is created; set it, from a secret store, to keep
    /// the fake salts stable across restarts too, or an attacker who sees a salt change with the restart learns that the
    /// user does not exist. At least 16 bytes.
    /// </summary>
    public byte[]? ServerSecret { get; init; }

    /// <summary>
    /// The iteration count announced for an unknown user. Default 4096 (<see cref="InMemoryScramCredentialStore.DefaultIterations"/>);
    /// set it to the count your store uses, so that it does not tell unknown users apart.
    /// </summary>
    public int UnknownUserIterations { get; init; } = InMemoryScramCredentialStore.DefaultIterations;

    /// <summary>The salt length, in bytes, announced for an unknown user. Default 16 (<see cref="InMemoryScramCredentialStore.SaltLength"/>); match your store's.</summary>
    public int UnknownUserSaltLength { get; init; } = InMemoryScramCredentialStore.SaltLength;

    /// <summary>The longest client message accepted, in bytes; a longer one fails the exchange with 0x86. Default <see cref="DefaultMaxMessageLength"/>.</summary>
    public int MaxMessageLength { get; init; } = DefaultMaxMessageLength;

    /// <summary>
    /// Makes the server's part of the nonce, appended to the client's. Null (the default) draws 24 random bytes and
    /// encodes them in base64 (32 characters; RFC 5802 §5.1 only asks for a fresh unpredictable value). Tests set it to
    /// reproduce a published exchange. The value must be non-empty printable ASCII without commas (RFC 5802 §7 <c>printable</c>).
    /// </summary>
    public Func<string>? ServerNonceGenerator { get; init; }
}
