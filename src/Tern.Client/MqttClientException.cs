using System.Net.Sockets;
using Tern.Protocol;

namespace Tern.Client;

/// <summary>An operation of <see cref="MqttClient"/> failed: not connected, connection lost, packet too large, ...</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MqttClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MqttClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The socket error underneath, if a network failure caused this (e.g. <see cref="SocketError.ConnectionRefused"/>).</summary>
    public SocketError? SocketError
    {
        get
        {
            for (var e = InnerException; e is not null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    return socket.SocketErrorCode;
                }
            }

            return null;
        }
    }
}

/// <summary>The broker refused the connection: CONNACK with a failure code.</summary>
public sealed class MqttConnectException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttConnectException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MqttConnectException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MqttConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refusing CONNACK.</summary>
    public MqttConnectException(MqttConnectResult result)
        : base(Describe(result))
    {
        Result = result;
    }

    /// <summary>The refusing CONNACK.</summary>
    public MqttConnectResult? Result { get; }

    /// <summary>The refusal's reason code (5.0 numbering, also for 3.1.1).</summary>
    public ReasonCode ReasonCode => Result?.ReasonCode ?? ReasonCode.UnspecifiedError;

    /// <summary>"not authorized (0x87)": the reason in lower case and the code, as the CLI prints it.</summary>
    public static string Describe(MqttConnectResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string name = ReasonCodes.GetName(result.ReasonCode, PacketType.ConnAck).ToLowerInvariant();
        return result.ReasonString is null
            ? $"{name} (0x{(byte)result.ReasonCode:X2})"
            : $"{name} (0x{(byte)result.ReasonCode:X2}): {result.ReasonString}";
    }
}

/// <summary>A message left the publish queue without being sent: dropped because the queue was full, or too large for the broker.</summary>
public sealed class MqttMessageDroppedException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttMessageDroppedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MqttMessageDroppedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MqttMessageDroppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
