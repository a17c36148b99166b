using Tern.Protocol;

namespace Tern.Client;

/// <summary>Why a connection ended.</summary>
public enum MqttDisconnectReason
{
    /// <summary><see cref="MqttClient.DisconnectAsync(CancellationToken)"/> or disposal: the client ended it.</summary>
    ClientDisconnected,

    /// <summary>A 5.0 broker sent DISCONNECT; <see cref="MqttDisconnectedEventArgs.ReasonCode"/> says why.</summary>
    ServerDisconnected,

    /// <summary>A 5.0 broker sent DISCONNECT 0x8E Session taken over: another connection uses this client identifier. (A 3.1.1 broker just closes: <see cref="TransportClosed"/>.)</summary>
    SessionTakenOver,

    /// <summary>No PINGRESP came within the ping timeout: the connection was dead.</summary>
    KeepAliveTimeout,

    /// <summary>The broker closed the network connection without DISCONNECT (3.1.1 brokers always do so, e.g. on takeover).</summary>
    TransportClosed,

    /// <summary>A socket or TLS error.</summary>
    TransportError,

    /// <summary>The broker sent something the protocol forbids; the client closed (5.0: with DISCONNECT and the reason code).</summary>
    ProtocolError,
}

/// <summary>Raised after every successful CONNACK, the first and each reconnect.</summary>
public sealed class MqttConnectedEventArgs(MqttConnectResult result, bool isReconnect) : EventArgs
{
    /// <summary>The CONNACK.</summary>
    public MqttConnectResult Result { get; } = result;

    /// <summary>True for an automatic reconnect.</summary>
    public bool IsReconnect { get; } = isReconnect;
}

/// <summary>Raised once for each connection that ended, with the reason.</summary>
public sealed class MqttDisconnectedEventArgs(MqttDisconnectReason reason, ReasonCode? reasonCode, string? reasonString, Exception? exception, bool willReconnect) : EventArgs
{
    /// <summary>Why it ended.</summary>
    public MqttDisconnectReason Reason { get; } = reason;

    /// <summary>The DISCONNECT reason code: the broker's (5.0) or the one the client sent for a protocol error; null otherwise.</summary>
    public ReasonCode? ReasonCode { get; } = reasonCode;

    /// <summary>The broker's 5.0 Reason String, or a description of the error.</summary>
    public string? ReasonString { get; } = reasonString;

    /// <summary>The socket, TLS or protocol exception, if one ended it.</summary>
    public Exception? Exception { get; } = exception;

    /// <summary>Whether the client will now try to reconnect.</summary>
    public bool WillReconnect { get; } = willReconnect;

    /// <inheritdoc/>
    public override string ToString() => ReasonCode is { } code
        ? $"{Reason} (0x{(byte)code:X2} {ReasonCodes.GetName(code, PacketType.Disconnect)}){(ReasonString is null ? string.Empty : ": " + ReasonString)}"
        : $"{Reason}{(ReasonString is null ? string.Empty : ": " + ReasonString)}";
}

/// <summary>Raised for every Application Message received, before it is handed to the matching subscriptions.</summary>
public sealed class MqttMessageReceivedEventArgs(MqttMessage message) : EventArgs
{
    /// <summary>The message.</summary>
    public MqttMessage Message { get; } = message;
}
