namespace Tern.Client.Internal;

/// <summary>A SUBSCRIBE or UNSUBSCRIBE awaiting its SUBACK / UNSUBACK.</summary>
internal sealed class PendingRequest
{
    private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingRequest(bool isRestore, int filterCount)
    {
        IsRestore = isRestore;
        FilterCount = filterCount;
    }

    /// <summary>A SUBSCRIBE sent by the client itself to restore subscriptions after a reconnect: nobody awaits it.</summary>
    public bool IsRestore { get; }

    public int FilterCount { get; }

    public Task<object> Task => _completion.Task;

    public void Complete(object result) => _completion.TrySetResult(result);

    public void Fail(Exception exception)
    {
        _completion.TrySetException(exception);

        // Nobody may await a restore: observe the exception so it is not reported as unobserved.
        _ = _completion.Task.Exception;
    }
}
