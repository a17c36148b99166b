using System.CommandLine;
using System.Text;
using Tern.Cli.Client;
using Tern.Client;
using Tern.Protocol;

namespace Tern.Cli;

/// <summary>
/// <c>tern pub</c>: publishes one message (<c>-m</c>, <c>-f</c>, <c>-s</c>, <c>-n</c>) or one per line of standard
/// input (<c>-l</c>), with mosquitto_pub's options, and exits once every message is acknowledged.
/// </summary>
internal static class PubCommand
{
    public static Command Create()
    {
        var common = new ClientCommandOptions();
        var topic = new Option<string>("--topic", "-t") { Description = "Topic to publish to.", Required = true };
        var message = new Option<string?>("--message", "-m") { Description = "The message." };
        var file = new Option<string?>("--file", "-f") { Description = "Send the contents of a file as the message." };
        var lines = new Option<bool>("--stdin-line", "-l") { Description = "Send each line of standard input as a message (blank lines are skipped)." };
        var stdin = new Option<bool>("--stdin-file", "-s") { Description = "Send all of standard input as one message." };
        var empty = new Option<bool>("--null-message", "-n") { Description = "Send an empty (zero-length) message." };
        var retain = new Option<bool>("--retain", "-r") { Description = "Retain the message." };
        var command = new Command("pub", "Publish a message (as mosquitto_pub).") { topic, message, file, lines, stdin, empty, retain };
        common.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            int sources = (result.GetValue(message) is null ? 0 : 1) + (result.GetValue(file) is null ? 0 : 1)
                + (result.GetValue(lines) ? 1 : 0) + (result.GetValue(stdin) ? 1 : 0) + (result.GetValue(empty) ? 1 : 0);
            if (sources != 1)
            {
                return await ClientErrors.FailAsync("pub", "give exactly one of -m MESSAGE, -f FILE, -l, -s or -n.", ExitCodes.Usage).ConfigureAwait(false);
            }

            if (!common.TryBuild(result, out var options, out var qos, out string? problem))
            {
                return await ClientErrors.FailAsync("pub", problem!, ExitCodes.Usage).ConfigureAwait(false);
            }

            IAsyncEnumerable<byte[]> payloads;
            if (result.GetValue(file) is { } path)
            {
                byte[] bytes;
                try
                {
                    bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return await ClientErrors.FailAsync("pub", $"cannot read '{path}': {e.Message}", ExitCodes.Failure).ConfigureAwait(false);
                }

                payloads = One(bytes);
            }
            else if (result.GetValue(message) is { } text)
            {
                payloads = One(Encoding.UTF8.GetBytes(text));
            }
            else if (result.GetValue(lines))
            {
                payloads = ReadLinesAsync(cancellationToken);
            }
            else if (result.GetValue(stdin))
            {
                using var buffer = new MemoryStream();
                await Console.OpenStandardInput().CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                payloads = One(buffer.ToArray());
            }
            else
            {
                payloads = One([]);
            }

            return await RunAsync(options, result.GetValue(topic)!, qos, result.GetValue(retain), payloads, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(MqttClientOptions options, string topic, QualityOfService qos, bool retain, IAsyncEnumerable<byte[]> payloads, CancellationToken cancellationToken)
    {
        options = options with
        {
            Reconnect = new MqttReconnectOptions { Enabled = false },
            OfflineQueue = new MqttOfflineQueueOptions { Enabled = false },
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => lost.TrySetResult(e);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var publishes = new List<Task<MqttPublishResult>>();
            await foreach (byte[] payload in payloads.ConfigureAwait(false))
            {
                publishes.Add(client.PublishAsync(new MqttMessage(topic, payload) { QoS = qos, Retain = retain }, cancellationToken));
            }

            var all = Task.WhenAll(publishes);
            if (await Task.WhenAny(all, lost.Task).ConfigureAwait(false) == lost.Task)
            {
                return await ClientErrors.FailAsync("pub", $"connection lost: {lost.Task.Result.ReasonString ?? lost.Task.Result.Reason.ToString()}", ExitCodes.Failure).ConfigureAwait(false);
            }

            foreach (var publish in await all.ConfigureAwait(false))
            {
                if (!publish.IsSuccess)
                {
                    return await ClientErrors.FailAsync("pub", $"publish to '{topic}' refused: {ClientErrors.Describe(publish.ReasonCode, PacketType.PubAck)}", ExitCodes.Failure).ConfigureAwait(false);
                }
            }

            await client.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (ArgumentException e)
        {
            return await ClientErrors.FailAsync("pub", e.Message, ExitCodes.Usage).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttClientException or OperationCanceledException)
        {
            return await ClientErrors.FailAsync("pub", ClientErrors.Describe(e), ExitCodes.Failure).ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<byte[]> One(byte[] payload)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return payload;
    }

    private static async IAsyncEnumerable<byte[]> ReadLinesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return Encoding.UTF8.GetBytes(line);
            }
        }
    }
}
