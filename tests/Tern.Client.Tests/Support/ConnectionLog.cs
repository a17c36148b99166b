using System.Threading.Channels;
using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>Records a client's Connected / Disconnected events in order, for a test to await one by one.</summary>
internal sealed class ConnectionLog
{
    private readonly Channel<EventArgs> _events = Channel.CreateUnbounded<EventArgs>();

    public ConnectionLog(MqttClient client)
    {
        client.Connected += (_, e) => _events.Writer.TryWrite(e);
        client.Disconnected += (_, e) => _events.Writer.TryWrite(e);
    }

    /// <summary>The next event, which must be of type <typeparamref name="T"/>.</summary>
    public async Task<T> NextAsync<T>(TimeSpan timeout)
        where T : EventArgs
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var next = await _events.Reader.ReadAsync(deadline.Token);
            return next as T ?? throw new ExpectationFailedException($"Expected {typeof(T).Name}, got {next.GetType().Name}: {next}.");
        }
        catch (OperationCanceledException)
        {
            throw new ExpectationFailedException($"No {typeof(T).Name} within {timeout.TotalSeconds} s.");
        }
    }
}
