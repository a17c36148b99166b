namespace Tern.TestKit.Processes;

/// <summary>
/// Runs MQTT.js programs: <c>node &lt;script&gt; &lt;arguments&gt;</c> from a directory where <c>npm ci</c> installed
/// the <c>mqtt</c> module. The programs print one line per event; tests await the lines.
/// </summary>
public static class NodeMqtt
{
    /// <summary>Starts a script.</summary>
    /// <param name="nodeDirectory">The directory holding package.json and node_modules; the working directory.</param>
    /// <param name="script">The script's path relative to <paramref name="nodeDirectory"/>, e.g. "seed/identical.js".</param>
    /// <param name="arguments">The script's arguments (by convention the broker URL first).</param>
    /// <param name="environment">Variables added to the environment.</param>
    /// <exception cref="ExpectationFailedException">node or the mqtt module is missing.</exception>
    public static ChildProcess Start(
        string nodeDirectory,
        string script,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string node = PeerCheck.Node();
        PeerCheck.NodeModule(nodeDirectory, "mqtt");
        string path = Path.Combine(nodeDirectory, script);
        if (!File.Exists(path))
        {
            throw new ExpectationFailedException($"The node script {path} does not exist.");
        }

        return ChildProcess.Start(node, arguments.Prepend(path), environment, nodeDirectory);
    }
}
