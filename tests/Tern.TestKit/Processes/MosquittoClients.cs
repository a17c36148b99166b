namespace Tern.TestKit.Processes;

/// <summary>
/// Runs Mosquitto's command-line clients against a broker under test, line-buffered (<c>stdbuf -oL</c>). <see cref="StartSub"/> keeps
/// <c>mosquitto_sub</c> running so a test can await its lines; <see cref="PubAsync"/> runs <c>mosquitto_pub</c> to its end.
/// </summary>
public static class MosquittoClients
{
    /// <summary>
    /// The line <c>mosquitto_sub -d</c> prints once the broker has granted its subscriptions, e.g.
    /// <c>Subscribed (mid: 1): 1</c>: await it (with <see cref="ChildProcess.ExpectLineAsync(Func{string, bool}, string, TimeSpan)"/>)
    /// before publishing what the subscriber must receive.
    /// </summary>
    public static bool IsSubscribedLine(string line) =>
        line is not null && line.StartsWith("Subscribed (mid:", StringComparison.Ordinal);

    /// <summary>Starts <c>mosquitto_sub -h host -p port</c> followed by <paramref name="arguments"/>.</summary>
    public static ChildProcess StartSub(IBrokerUnderTest broker, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return ChildProcess.Start(LineBuffered(), HostAndPort(broker).Concat(arguments).Prepend(PeerCheck.MosquittoSub()).Prepend("-oL"));
    }

    /// <summary>Runs <c>mosquitto_pub -h host -p port</c> followed by <paramref name="arguments"/> to its end.</summary>
    /// <exception cref="ExpectationFailedException">It did not end within <paramref name="timeout"/>.</exception>
    public static Task<ProcessResult> PubAsync(IBrokerUnderTest broker, TimeSpan timeout, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return ChildProcess.RunAsync(LineBuffered(), HostAndPort(broker).Concat(arguments).Prepend(PeerCheck.MosquittoPub()).Prepend("-oL"), timeout);
    }

    /// <summary>Runs <c>mosquitto_sub -h host -p port</c> followed by <paramref name="arguments"/> to its end (use <c>-C count</c> or <c>-W seconds</c>).</summary>
    /// <exception cref="ExpectationFailedException">It did not end within <paramref name="timeout"/>.</exception>
    public static Task<ProcessResult> SubAsync(IBrokerUnderTest broker, TimeSpan timeout, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return ChildProcess.RunAsync(LineBuffered(), HostAndPort(broker).Concat(arguments).Prepend(PeerCheck.MosquittoSub()).Prepend("-oL"), timeout);
    }

    // The clients print with stdio, block-buffered on a pipe: `stdbuf -oL` makes each line arrive when printed.
    private static string LineBuffered() => PeerCheck.Executable("stdbuf", "/usr/bin/stdbuf", "Debian package coreutils");

    private static string[] HostAndPort(IBrokerUnderTest broker) =>
        ["-h", broker.Host, "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
