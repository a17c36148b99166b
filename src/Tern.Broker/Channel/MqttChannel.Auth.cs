using System.Buffers;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

/// <summary>Enhanced authentication (5.0 §4.12): the AUTH exchange before CONNACK, and re-authentication after it.</summary>
internal sealed partial class MqttChannel
{
    private PendingConnect? _pendingConnect;

    /// <summary>Before CONNACK only AUTH and DISCONNECT may arrive ([MQTT-3.1.2-30] in 5.0).</summary>
    private bool ProcessWhileAuthenticating(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        switch (header.Type)
        {
            case PacketType.Auth:
                if (!AuthPacket.TryDecode(header, body, ProtocolVersion, out var auth, out var violation))
                {
                    return RefuseDuringAuthentication(violation);
                }

                return ActOn(Authentication!.ReceiveAuthAsync(auth));
            case PacketType.Disconnect:
                Authentication!.Close();
                Close(CloseReason.ClientDisconnected);
                return false;
            default:
                return RefuseDuringAuthentication(ProtocolViolation.ProtocolError("5.0 MQTT-3.1.2-30", "a packet other than AUTH or DISCONNECT before CONNACK"));
        }
    }

    /// <summary>AUTH after CONNACK: re-authentication, when the connection authenticated with a method.</summary>
    private bool ProcessAuth(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (Authentication is not { } authentication)
        {
            return Violation(ProtocolViolation.ProtocolError("5.0 MQTT-4.12.0-7", "AUTH on a connection that did not authenticate with a method"));
        }

        if (!AuthPacket.TryDecode(header, body, ProtocolVersion, out var auth, out var violation))
        {
            return Violation(violation);
        }

        return ActOn(authentication.ReceiveAuthAsync(auth));
    }

    /// <summary>
    /// Sends what one step of the exchange calls for. Mechanisms are expected to finish synchronously (the built-in
    /// SCRAM ones do); one that does not is refused with 0x80, since the read loop does not wait for it yet.
    /// </summary>
    private bool ActOn(ValueTask<EnhancedAuthenticationReply> step)
    {
        if (!step.IsCompletedSuccessfully)
        {
            _ = step.AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            return RefuseDuringAuthentication(new ProtocolViolation(ReasonCode.UnspecifiedError, "5.0 §4.12", "the authentication mechanism did not complete synchronously"));
        }

        var reply = step.Result;
        if (reply.Error is not null || reply.Description is not null)
        {
            BrokerLog.AuthenticationStep(Logger, _connection.RemoteEndPoint, ClientId, reply.Action.ToString(), reply.Description ?? reply.Error!.Message);
        }

        switch (reply.Action)
        {
            case EnhancedAuthenticationAction.SendAuthContinue:
                SendAuth(ReasonCode.ContinueAuthentication, reply.Data.Span);
                return true;
            case EnhancedAuthenticationAction.SendAuthSuccess:
                SendAuth(ReasonCode.Success, reply.Data.Span);
                return true;
            case EnhancedAuthenticationAction.AcceptConnection:
                // The mechanism is the authenticator of this CONNECT; the anonymous policy and the will's ACL still apply.
                return AcceptIdentity(reply.UserName, new ConnAckProperties(null, null, null, null) { AuthenticationMethod = Authentication!.Method, AuthenticationData = reply.Data });
            case EnhancedAuthenticationAction.RefuseConnection:
                return RefuseAuthentication(reply.ReasonCode, reply.Description ?? "authentication failed");
            default:
                SendDisconnect(reply.ReasonCode);
                Close(CloseReason.ProtocolViolation);
                return false;
        }
    }

    /// <summary>The user the connection authenticated as (a password, a certificate or enhanced authentication named one); null when anonymous or before CONNACK.</summary>
    public string? UserName => _client?.UserName;

    // Before CONNACK a refusal is a CONNACK, never a DISCONNECT ([MQTT-3.14.0-1] in 5.0).
    private bool RefuseDuringAuthentication(in ProtocolViolation violation)
    {
        _engine.Metrics.ProtocolViolation((byte)violation.ReasonCode);
        return Refuse(violation.ReasonCode, violation.Description);
    }

    private void SendAuth(ReasonCode reason, ReadOnlySpan<byte> data)
    {
        var properties = new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, Authentication!.Method);
        if (!data.IsEmpty)
        {
            properties.AddBytes(PropertyId.AuthenticationData, data);
        }

        var writer = new ArrayBufferWriter<byte>(16 + properties.Span.Length);
        AuthPacket.Write(writer, new AuthPacket { ReasonCode = reason, Properties = new MqttProperties(properties.Span) });
        _connection.Enqueue(OutboundPacket.ForBytes(writer.WrittenSpan.ToArray()));
    }
}
