namespace Tern.Broker;

/// <summary>
/// One authentication in progress on one connection: fed with each Authentication Data the client sends (first from
/// CONNECT, or from AUTH 0x19 on re-authentication, then from each AUTH 0x18), it answers with the broker's next move.
/// </summary>
/// <remarks>
/// The connection calls <see cref="StepAsync"/> once per client packet and never again before the previous call has
/// completed, so an implementation need not be thread-safe. After it returned <see cref="EnhancedAuthenticationOutcome.Success"/>
/// or <see cref="EnhancedAuthenticationOutcome.Failure"/> it is not called again.
/// </remarks>
public interface IEnhancedAuthenticationExchange
{
    /// <summary>Processes the client's Authentication Data and decides what the broker answers.</summary>
    /// <param name="clientData">
    /// The Authentication Data of the CONNECT or AUTH, empty when the packet had none. The memory belongs to the exchange
    /// for the duration of the call only; copy what must be kept.
    /// </param>
    /// <param name="cancellationToken">Cancelled when the connection closes.</param>
    /// <returns>
    /// <see cref="EnhancedAuthenticationResult.Continue"/> (the broker sends AUTH 0x18 with the data),
    /// <see cref="EnhancedAuthenticationResult.Success"/> (CONNACK 0x00, or AUTH 0x00 on re-authentication) or
    /// <see cref="EnhancedAuthenticationResult.Failure"/> (CONNACK or DISCONNECT with the reason code, then close).
    /// </returns>
    ValueTask<EnhancedAuthenticationResult> StepAsync(ReadOnlyMemory<byte> clientData, CancellationToken cancellationToken = default);
}
