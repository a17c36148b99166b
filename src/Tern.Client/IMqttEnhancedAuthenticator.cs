namespace Tern.Client;

/// <summary>
/// MQTT 5.0 enhanced authentication (§4.12): a challenge / response exchange of AUTH packets between CONNECT and
/// CONNACK, e.g. SCRAM or Kerberos. The client puts <see cref="Method"/> and the initial data in CONNECT, answers each
/// AUTH 0x18 (Continue authentication) with <see cref="ContinueAsync"/>, and hands the final data of a successful
/// CONNACK to <see cref="CompleteAsync"/>.
/// </summary>
public interface IMqttEnhancedAuthenticator
{
    /// <summary>The Authentication Method, e.g. <c>SCRAM-SHA-256</c>.</summary>
    string Method { get; }

    /// <summary>The Authentication Data of CONNECT (may be empty).</summary>
    ValueTask<ReadOnlyMemory<byte>> GetInitialDataAsync(CancellationToken cancellationToken);

    /// <summary>Answers the broker's challenge: the data for the next AUTH 0x18.</summary>
    ValueTask<ReadOnlyMemory<byte>> ContinueAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken);

    /// <summary>Checks the Authentication Data of a successful CONNACK (e.g. the server's proof); throw to refuse it.</summary>
    ValueTask CompleteAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
