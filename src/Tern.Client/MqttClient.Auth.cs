using System.Buffers;
using System.Text;
using Tern.Client.Internal;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client;

public sealed partial class MqttClient
{
    private TaskCompletionSource? _reauthentication;

    /// <summary>
    /// MQTT 5.0 re-authentication (§4.12.1): runs the <see cref="MqttClientOptions.Authenticator"/>'s exchange again on
    /// the open connection (AUTH 0x19, then AUTH 0x18 challenges and answers) and completes when the broker answers AUTH
    /// 0x00 and <see cref="IMqttEnhancedAuthenticator.CompleteAsync"/> accepted its data, e.g. to present a fresh token
    /// before the old one expires. Messages keep flowing meanwhile. A broker that refuses ends the connection with
    /// DISCONNECT (e.g. 0x87 Not authorized), and the client reconnects as usual.
    /// </summary>
    /// <exception cref="NotSupportedException">The client speaks 3.1.1 or has no <see cref="MqttClientOptions.Authenticator"/>.</exception>
    /// <exception cref="InvalidOperationException">A re-authentication is already under way.</exception>
    /// <exception cref="MqttClientException">Not connected, or the connection ended before the exchange did (the message says why, e.g. <c>not authorized (0x87)</c>).</exception>
    public async Task ReauthenticateAsync(CancellationToken cancellationToken = default)
    {
        var authenticator = _options.Authenticator;
        if (_options.ProtocolVersion != ProtocolVersion.V500 || authenticator is null)
        {
            throw new NotSupportedException("Re-authentication needs MQTT 5.0 and an Authenticator (enhanced authentication, §4.12).");
        }

        var connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            if (_reauthentication is not null)
            {
                throw new InvalidOperationException("A re-authentication is already under way.");
            }

            _reauthentication = done;
        }

        try
        {
            var data = await authenticator.GetInitialDataAsync(cancellationToken).ConfigureAwait(false);
            if (!connection.Enqueue(OutboundPacket.ForRaw(EncodeAuth(ReasonCode.ReAuthenticate, authenticator.Method, data.Span))))
            {
                throw new MqttClientException("the connection was lost before re-authentication started");
            }

            await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                if (_reauthentication == done)
                {
                    _reauthentication = null;
                }
            }
        }
    }

    private static byte[] EncodeAuth(ReasonCode reasonCode, string method, ReadOnlySpan<byte> data)
    {
        var properties = new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, method);
        if (!data.IsEmpty)
        {
            properties.AddBytes(PropertyId.AuthenticationData, data);
        }

        var writer = new ArrayBufferWriter<byte>(64);
        AuthPacket.Write(writer, new AuthPacket { ReasonCode = reasonCode, Properties = new MqttProperties(properties.Span) });
        return writer.WrittenSpan.ToArray();
    }

    // An AUTH after CONNACK: only as part of a re-authentication this client started (5.0 §4.12.1).
    private void HandleAuth(ClientConnection connection, in FixedHeader header, ReadOnlySpan<byte> body)
    {
        TaskCompletionSource? pending;
        lock (_sync)
        {
            pending = _reauthentication;
        }

        var authenticator = _options.Authenticator;
        if (pending is null || authenticator is null)
        {
            connection.FailProtocol(ProtocolViolation.ProtocolError("5.0 §4.12.1", "AUTH when no re-authentication was started"));
            return;
        }

        if (!AuthPacket.TryDecode(header, body, connection.Version, out var auth, out var violation))
        {
            connection.FailProtocol(violation);
            return;
        }

        if (!auth.AuthenticationMethod.SequenceEqual(Encoding.UTF8.GetBytes(authenticator.Method)))
        {
            connection.FailProtocol(ProtocolViolation.ProtocolError("5.0 MQTT-4.12.0-5", "AUTH with another Authentication Method"));
            return;
        }

        bool final = auth.ReasonCode == ReasonCode.Success;
        if (!final && auth.ReasonCode != ReasonCode.ContinueAuthentication)
        {
            connection.FailProtocol(ProtocolViolation.ProtocolError("5.0 §4.12.1", $"AUTH 0x{(byte)auth.ReasonCode:X2} from the broker"));
            return;
        }

        // The authenticator may await (a token service, a key store): off the read loop.
        byte[] data = auth.AuthenticationData.ToArray();
        _ = Task.Run(() => ContinueReauthenticationAsync(connection, authenticator, pending, data, final), CancellationToken.None);
    }

    private async Task ContinueReauthenticationAsync(ClientConnection connection, IMqttEnhancedAuthenticator authenticator, TaskCompletionSource pending, byte[] data, bool final)
    {
        try
        {
            if (final)
            {
                await authenticator.CompleteAsync(data, connection.Stopping).ConfigureAwait(false);
                pending.TrySetResult();
                return;
            }

            var answer = await authenticator.ContinueAsync(data, connection.Stopping).ConfigureAwait(false);
            connection.Enqueue(OutboundPacket.ForRaw(EncodeAuth(ReasonCode.ContinueAuthentication, authenticator.Method, answer.Span)));
        }
        catch (OperationCanceledException) when (connection.Stopping.IsCancellationRequested)
        {
            // The connection ended: SuperviseAsync fails the re-authentication with the reason.
        }
        catch (Exception e)
        {
            // The authenticator refused the broker's data (e.g. a server proof that does not verify): this connection
            // cannot be trusted any more.
            pending.TrySetException(new MqttClientException($"re-authentication failed: {e.Message}", e));
            var writer = new ArrayBufferWriter<byte>(8);
            DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = ReasonCode.NotAuthorized }, connection.Version);
            _ = connection.CloseAfterAsync(writer.WrittenSpan.ToArray(), new DisconnectInfo(MqttDisconnectReason.ProtocolError, ReasonCode.NotAuthorized, $"re-authentication failed: {e.Message}", e), TimeSpan.FromSeconds(1));
        }
    }

    // When a connection ended: a re-authentication under way on it failed, with the reason.
    private void FailReauthentication(DisconnectInfo info)
    {
        TaskCompletionSource? pending;
        lock (_sync)
        {
            pending = _reauthentication;
        }

        pending?.TrySetException(new MqttClientException(info.ReasonCode is { } code && ReasonCodes.IsFailure(code)
            ? $"{ReasonCodes.GetName(code, PacketType.Disconnect).ToLowerInvariant()} (0x{(byte)code:X2})"
            : $"the connection was lost before re-authentication ended: {info.ReasonString ?? info.Reason.ToString()}"));
    }
}
