namespace Tern.TestKit;

/// <summary>
/// A one-shot event a test awaits with a deadline, instead of sleeping: set it from a callback, await it in the test.
/// Continuations run asynchronously, so whoever sets it never runs the test's code on its own thread.
/// </summary>
public sealed class Signal
{
    private readonly TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a signal; <paramref name="description"/> names the awaited event in a timeout's message.</summary>
    public Signal(string description)
    {
        Description = description;
    }

    /// <summary>What the signal stands for, e.g. "will message received".</summary>
    public string Description { get; }

    /// <summary>Whether the signal was set (or failed).</summary>
    public bool IsSet => _source.Task.IsCompleted;

    /// <summary>Sets the signal; later calls do nothing.</summary>
    public void Set() => _source.TrySetResult();

    /// <summary>Fails every waiter with <paramref name="exception"/>, e.g. from a callback that saw something wrong.</summary>
    public void Fail(Exception exception) => _source.TrySetException(exception);

    /// <summary>Waits for the signal for at most <paramref name="timeout"/>.</summary>
    /// <exception cref="ExpectationFailedException">The signal was not set in time.</exception>
    public async Task WaitAsync(TimeSpan timeout)
    {
        try
        {
            await _source.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ExpectationFailedException($"Timed out after {timeout.TotalSeconds:0.###} s waiting for: {Description}.");
        }
    }
}

/// <summary>A one-shot event that carries a value. See <see cref="Signal"/>.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public sealed class Signal<T>
{
    private readonly TaskCompletionSource<T> _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a signal; <paramref name="description"/> names the awaited event in a timeout's message.</summary>
    public Signal(string description)
    {
        Description = description;
    }

    /// <summary>What the signal stands for.</summary>
    public string Description { get; }

    /// <summary>Whether the signal was set (or failed).</summary>
    public bool IsSet => _source.Task.IsCompleted;

    /// <summary>Sets the value; only the first call counts.</summary>
    /// <returns>True when this call set it.</returns>
    public bool Set(T value) => _source.TrySetResult(value);

    /// <summary>Fails every waiter with <paramref name="exception"/>.</summary>
    public void Fail(Exception exception) => _source.TrySetException(exception);

    /// <summary>Waits for the value for at most <paramref name="timeout"/>.</summary>
    /// <exception cref="ExpectationFailedException">The signal was not set in time.</exception>
    public async Task<T> WaitAsync(TimeSpan timeout)
    {
        try
        {
            return await _source.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ExpectationFailedException($"Timed out after {timeout.TotalSeconds:0.###} s waiting for: {Description}.");
        }
    }
}
