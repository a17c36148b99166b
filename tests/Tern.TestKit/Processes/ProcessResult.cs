namespace Tern.TestKit.Processes;

/// <summary>How a peer program that ran to its end ended.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Its standard output lines.</param>
/// <param name="ErrorOutput">Its standard error.</param>
/// <param name="Transcript">Command, output and error together, for failure messages.</param>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> Output, string ErrorOutput, string Transcript);
