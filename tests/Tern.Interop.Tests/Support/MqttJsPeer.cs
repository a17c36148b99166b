using System.Text.Json;
using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Interop.Tests.Support;

/// <summary>
/// An MQTT.js client in its own node process (node/peer.js), driven by commands on its standard input and observed
/// through the event lines it prints. Killing the process drops the connection without DISCONNECT.
/// </summary>
internal sealed class MqttJsPeer : IClientPeer
{
    private const string MessagePrefix = "message ";

    private readonly ChildProcess _process;

    // Messages that arrived while the test waited for another event (a PUBLISH can overtake its own PUBACK).
    private readonly Queue<string> _messages = new();

    private MqttJsPeer(ChildProcess process, bool sessionPresent)
    {
        _process = process;
        SessionPresent = sessionPresent;
    }

    /// <summary>The CONNACK's session present flag.</summary>
    public bool SessionPresent { get; }

    /// <summary>Starts the peer and waits for its CONNACK (return code 0).</summary>
    public static async Task<MqttJsPeer> ConnectAsync(IBrokerUnderTest broker, PeerOptions options)
    {
        // MQTT.js connect options; MQTT.js speaks 3.1.1 (protocolVersion 4) unless told otherwise.
        var connect = new Dictionary<string, object>
        {
            ["clientId"] = options.ClientId,
            ["clean"] = options.CleanSession,
            ["keepalive"] = options.KeepAliveSeconds,
            ["protocolVersion"] = 4,
        };
        if (options.Will is { } will)
        {
            connect["will"] = new { topic = will.Topic, payload = will.Payload, qos = will.Qos, retain = false };
        }

        var process = NodeMqtt.Start(Peers.NodeDirectory, "peer.js", [broker.Url(), JsonSerializer.Serialize(connect)]);
        try
        {
            string line = await process.ExpectLineAsync(l => l.StartsWith("connected ", StringComparison.Ordinal), "the CONNACK", Timeouts.Process);
            if (!line.EndsWith(" returnCode=0", StringComparison.Ordinal))
            {
                throw new ExpectationFailedException($"Connection refused: {line}\n{process.Transcript()}");
            }

            return new MqttJsPeer(process, line.Contains("sessionPresent=true", StringComparison.Ordinal));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes and waits for the SUBACK granting <paramref name="qos"/>.</summary>
    public async Task SubscribeAsync(string topic, int qos)
    {
        await _process.WriteLineAsync($"subscribe {topic} {qos}");
        await ExpectEventAsync($"subscribed {topic} {qos}");
    }

    /// <summary>Publishes and waits until MQTT.js reports it sent (QoS 0) or acknowledged (QoS 1, 2).</summary>
    public async Task PublishAsync(string topic, string payload, int qos, bool retain = false)
    {
        await _process.WriteLineAsync($"publish {topic} {qos} {(retain ? 1 : 0)} {payload}");
        await ExpectEventAsync($"published {topic}");
    }

    /// <summary>Waits for the next message (skipping other events) and returns "topic payload".</summary>
    public async Task<string> NextMessageAsync()
    {
        if (_messages.TryDequeue(out string? message))
        {
            return message;
        }

        string line = await _process.ExpectLineAsync(l => l.StartsWith(MessagePrefix, StringComparison.Ordinal), "a message", Timeouts.Event);
        return line[MessagePrefix.Length..];
    }

    /// <summary>Waits until MQTT.js says the connection is gone ("close").</summary>
    public Task ExpectConnectionLostAsync() => ExpectEventAsync("close");

    /// <summary>Sends DISCONNECT and waits until the broker closed the connection and the process has ended.</summary>
    public async Task DisconnectAsync()
    {
        await _process.WriteLineAsync("end");
        await ExpectEventAsync("ended");
        int exitCode = await _process.WaitForExitAsync(Timeouts.Event);
        if (exitCode != 0)
        {
            throw new ExpectationFailedException($"The peer exited with {exitCode}.\n{_process.Transcript()}");
        }
    }

    /// <summary>Kills the node process (SIGKILL): its connection is dropped without DISCONNECT.</summary>
    public async Task AbortAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync(Timeouts.Event);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    // Waits for one event line, keeping the messages that arrive meanwhile for NextMessageAsync.
    private async Task ExpectEventAsync(string expected)
    {
        await _process.ExpectLineAsync(
            line =>
            {
                if (line.StartsWith(MessagePrefix, StringComparison.Ordinal))
                {
                    _messages.Enqueue(line[MessagePrefix.Length..]);
                }

                return line == expected;
            },
            $"the line \"{expected}\"",
            Timeouts.Event);
    }
}
