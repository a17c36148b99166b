using Tern.Client;
using Tern.Protocol;

namespace Tern.Cli.Client;

/// <summary>One clear line per failure, as <c>tern pub</c> and <c>tern sub</c> print it on standard error.</summary>
internal static class ClientErrors
{
    /// <summary>"cannot connect to 127.0.0.1:1883: connection refused", "not authorized (0x87)", ...</summary>
    public static string Describe(Exception exception) => exception switch
    {
        MqttConnectException refused when refused.Result is { } result => MqttConnectException.Describe(result),
        MqttClientException client => client.Message,
        OperationCanceledException => "cancelled",
        _ => exception.Message,
    };

    /// <summary>"not authorized (0x87)" for a failure reason code in <paramref name="packet"/>.</summary>
    public static string Describe(ReasonCode code, PacketType packet) =>
        $"{ReasonCodes.GetName(code, packet).ToLowerInvariant()} (0x{(byte)code:X2})";

    public static async Task<int> FailAsync(string command, string message, int exitCode)
    {
        await Console.Error.WriteLineAsync($"tern {command}: {message}").ConfigureAwait(false);
        return exitCode;
    }
}
