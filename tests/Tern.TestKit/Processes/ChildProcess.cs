using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Tern.TestKit.Processes;

/// <summary>
/// A peer program run by a test: its standard output arrives line by line on a channel the test awaits with a
/// deadline; standard error is kept for failure messages; disposing kills the whole process tree.
/// Not thread-safe for readers: one test reads the lines.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly bool _mergeErrors;
    private int _openStreams = 2;

    private ChildProcess(Process process, string commandLine, bool mergeErrors)
    {
        _process = process;
        CommandLine = commandLine;
        _mergeErrors = mergeErrors;
    }

    /// <summary>The command as a person would type it, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>The operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Every standard output line so far, read or not.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_gate)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string ErrorOutput
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with its standard streams redirected.</summary>
    /// <param name="fileName">The program: an absolute path or a name on PATH.</param>
    /// <param name="arguments">Arguments, passed as they are (no shell quoting).</param>
    /// <param name="environment">Variables added to this process's environment.</param>
    /// <param name="workingDirectory">The working directory; this process's when null.</param>
    /// <param name="mergeStandardError">
    /// Whether standard error lines are output lines too (in arrival order): for programs that log to standard error
    /// because their standard output is block-buffered on a pipe (mosquitto).
    /// </param>
    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool mergeStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }
        }

        string commandLine = string.Join(' ', info.ArgumentList.Prepend(fileName).Select(Quote));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, commandLine, mergeStandardError);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnError(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new ExpectationFailedException($"Cannot start `{commandLine}`: {e.Message}. {PeerCheck.InstallHint}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a program to its end, bounded by <paramref name="timeout"/> (then it is killed and the caller fails).</summary>
    /// <exception cref="ExpectationFailedException">It did not end in time.</exception>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        await using var process = Start(fileName, arguments);
        int exitCode = await process.WaitForExitAsync(timeout).ConfigureAwait(false);
        return new ProcessResult(exitCode, process.Output, process.ErrorOutput, process.Transcript());
    }

    /// <summary>Writes one line to the process's standard input.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Reads the next standard output line.</summary>
    /// <exception cref="ExpectationFailedException">No line within <paramref name="timeout"/>, or the output ended.</exception>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        return await ReadLineAsync(timeout, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Reads lines until one equals <paramref name="expected"/>; lines before it are skipped (and kept in <see cref="Output"/>).</summary>
    /// <exception cref="ExpectationFailedException">No such line within <paramref name="timeout"/>, or the output ended first.</exception>
    public async Task ExpectLineAsync(string expected, TimeSpan timeout)
    {
        await ExpectLineAsync(line => line == expected, $"the line \"{expected}\"", timeout).ConfigureAwait(false);
    }

    /// <summary>Reads lines until one satisfies <paramref name="match"/> and returns it.</summary>
    /// <param name="match">The test for the awaited line.</param>
    /// <param name="description">What the awaited line is, for the failure message.</param>
    /// <param name="timeout">The deadline for the whole wait.</param>
    public async Task<string> ExpectLineAsync(Func<string, bool> match, string description, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            string line = await ReadLineAsync(timeout, deadline.Token, description).ConfigureAwait(false);
            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Waits for the process to end and for its output to be read to the end.</summary>
    /// <returns>The exit code.</returns>
    /// <exception cref="ExpectationFailedException">Still running after <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            await _errorClosed.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Failure($"still running after {Seconds(timeout)} s");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process and its children at once (SIGKILL): no goodbye is sent to anyone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
    }

    /// <summary>What the process printed, for failure messages.</summary>
    public string Transcript()
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            text.Append("$ ").Append(CommandLine).Append('\n');
            if (_process.HasExited)
            {
                text.Append("exit code ").Append(_process.ExitCode.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append("stdout:\n");
            foreach (string line in _output)
            {
                text.Append("  ").Append(line).Append('\n');
            }

            text.Append("stderr:\n");
            foreach (string line in _errors)
            {
                text.Append("  ").Append(line).Append('\n');
            }

            return text.ToString();
        }
    }

    /// <summary>Kills the process tree if it still runs and waits (bounded) for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Leave it to the operating system; the test already has its verdict.
        }

        _process.Dispose();
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or '*' or '#')
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Seconds(TimeSpan timeout) => timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private async Task<string> ReadLineAsync(TimeSpan timeout, CancellationToken deadline, string? awaited = null)
    {
        try
        {
            if (await _lines.Reader.WaitToReadAsync(deadline).ConfigureAwait(false) && _lines.Reader.TryRead(out string? line))
            {
                return line;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw Failure($"no {awaited ?? "line"} within {Seconds(timeout)} s");
        }

        throw Failure($"the output ended before {awaited ?? "another line"}");
    }

    private ExpectationFailedException Failure(string what) => new($"`{CommandLine}`: {what}.\n{Transcript()}");

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0 || !_mergeErrors)
            {
                _lines.Writer.TryComplete();
            }

            return;
        }

        lock (_gate)
        {
            _output.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            _errorClosed.TrySetResult();
            if (_mergeErrors && Interlocked.Decrement(ref _openStreams) == 0)
            {
                _lines.Writer.TryComplete();
            }

            return;
        }

        if (_mergeErrors)
        {
            OnOutput(line);
            return;
        }

        lock (_gate)
        {
            _errors.Add(line);
        }
    }
}
