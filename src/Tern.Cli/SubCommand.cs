using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tern.Cli.Client;
using Tern.Client;
using Tern.Protocol;

namespace Tern.Cli;

/// <summary>
/// <c>tern sub</c>: subscribes and prints messages, with mosquitto_sub's options: <c>-t</c> (repeatable), <c>-v</c>
/// topic before payload, <c>-C</c> count, <c>-W</c> timeout (exit code 27, as mosquitto_sub), <c>-c</c> persistent
/// session, <c>--json</c> one JSON object per line. Reconnects if the connection is lost.
/// </summary>
internal static class SubCommand
{
    /// <summary>mosquitto_sub's exit code when <c>-W</c> expires.</summary>
    private const int TimedOut = 27;

    public static Command Create()
    {
        var common = new ClientCommandOptions();
        var topics = new Option<string[]>("--topic", "-t") { Description = "Topic filter to subscribe to (repeat for more).", Required = true };
        var persistent = new Option<bool>("--disable-clean-session", "-c") { Description = "Persistent session: the broker keeps the subscription and queues QoS 1/2 messages while away (needs -i)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the topic before each payload." };
        var count = new Option<int?>("--count", "-C") { Description = "Exit after this many messages." };
        var timeout = new Option<int?>("--timeout", "-W") { Description = "Exit after this many seconds (exit code 27 if -C was not reached)." };
        var json = new Option<bool>("--json") { Description = "Print each message as one JSON object per line." };
        var command = new Command("sub", "Subscribe to topics and print the messages (as mosquitto_sub).") { topics, persistent, verbose, count, timeout, json };
        common.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(
            common,
            result,
            result.GetValue(topics) ?? [],
            result.GetValue(persistent),
            new Printer(result.GetValue(verbose), result.GetValue(json)),
            result.GetValue(count),
            result.GetValue(timeout),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ClientCommandOptions common, ParseResult result, string[] topics, bool persistent, Printer printer, int? count, int? timeout, CancellationToken cancellationToken)
    {
        if (!common.TryBuild(result, out var options, out var qos, out string? problem))
        {
            return await ClientErrors.FailAsync("sub", problem!, ExitCodes.Usage).ConfigureAwait(false);
        }

        if (persistent && options.ClientId.Length == 0)
        {
            return await ClientErrors.FailAsync("sub", "-c (persistent session) needs a client id (-i).", ExitCodes.Usage).ConfigureAwait(false);
        }

        if (count is < 1 || timeout is < 1)
        {
            return await ClientErrors.FailAsync("sub", "-C and -W take a positive number.", ExitCodes.Usage).ConfigureAwait(false);
        }

        options = options with
        {
            CleanStart = !persistent,

            // 5.0 ends a session with its connection unless told otherwise; -c asks for one that outlives it.
            SessionExpiryInterval = persistent && options.ProtocolVersion == ProtocolVersion.V500 ? uint.MaxValue : 0,
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        await using var client = new MqttClient(options);

        // Every message, not only those of the subscription made below: a resumed session (-c) gets its stored
        // messages right after CONNACK, before the SUBSCRIBE, as mosquitto_sub prints them too.
        var messages = System.Threading.Channels.Channel.CreateUnbounded<MqttMessage>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
        client.MessageReceived += (_, e) => messages.Writer.TryWrite(e.Message);
        try
        {
            await client.ConnectAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttClientException or OperationCanceledException)
        {
            return await ClientErrors.FailAsync("sub", ClientErrors.Describe(e), ExitCodes.Failure).ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource();
        if (timeout is { } seconds)
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        using var running = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, deadline.Token);
        int received = 0;
        try
        {
            // Not disposed: disposing would UNSUBSCRIBE, and a persistent session (-c) must keep its subscription.
            var subscription = await client.SubscribeAsync([.. topics.Select(t => new MqttTopicFilter(t, qos))], running.Token).ConfigureAwait(false);
            for (int i = 0; i < topics.Length; i++)
            {
                var code = subscription.Result.ReasonCodes.ElementAtOrDefault(i);
                if (ReasonCodes.IsFailure(code))
                {
                    return await ClientErrors.FailAsync("sub", $"subscription to '{topics[i]}' refused: {ClientErrors.Describe(code, PacketType.SubAck)}", ExitCodes.Failure).ConfigureAwait(false);
                }
            }

            await foreach (var message in messages.Reader.ReadAllAsync(running.Token).ConfigureAwait(false))
            {
                printer.Print(message);
                if (++received == count)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await client.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
            return await ClientErrors.FailAsync("sub", $"timed out after {timeout} s", TimedOut).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: a normal end.
        }
        catch (Exception e) when (e is MqttClientException)
        {
            return await ClientErrors.FailAsync("sub", ClientErrors.Describe(e), ExitCodes.Failure).ConfigureAwait(false);
        }

        await client.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Writes messages to standard output: the payload bytes as they are, or JSON.</summary>
    private sealed class Printer(bool verbose, bool json)
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private readonly Stream _output = Console.OpenStandardOutput();

        public void Print(MqttMessage message)
        {
            if (json)
            {
                PrintJson(message);
            }
            else
            {
                if (verbose)
                {
                    _output.Write(Encoding.UTF8.GetBytes(message.Topic + " "));
                }

                _output.Write(message.Payload.Span);
                _output.WriteByte((byte)'\n');
            }

            _output.Flush();
        }

        private void PrintJson(MqttMessage message)
        {
            // Relaxed escaping: a JSON payload reads as {"a":1} inside the string, not {\u0022a\u0022:1}; still valid JSON.
            using (var writer = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("topic", message.Topic);
                writer.WriteNumber("qos", (int)message.QoS);
                writer.WriteBoolean("retain", message.Retain);
                string? text = TryDecode(message.Payload.Span);
                if (text is not null)
                {
                    writer.WriteString("payload", text);
                }
                else
                {
                    writer.WriteBase64String("payload_base64", message.Payload.Span);
                }

                if (message.ContentType is { } contentType)
                {
                    writer.WriteString("content_type", contentType);
                }

                if (message.UserProperties.Count > 0)
                {
                    writer.WriteStartArray("user_properties");
                    foreach (var property in message.UserProperties)
                    {
                        writer.WriteStartObject();
                        writer.WriteString(property.Name, property.Value);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            _output.WriteByte((byte)'\n');
        }

        private static string? TryDecode(ReadOnlySpan<byte> payload)
        {
            try
            {
                return StrictUtf8.GetString(payload);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
    }
}
