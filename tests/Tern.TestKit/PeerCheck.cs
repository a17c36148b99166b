namespace Tern.TestKit;

/// <summary>
/// Finds the third-party peers the interop tests run, and fails (never skips) with how to install a missing one:
/// a suite that quietly skips its interop tests on a bare machine would pass while testing nothing.
/// </summary>
public static class PeerCheck
{
    /// <summary>How to install every peer, for failure messages.</summary>
    public const string InstallHint =
        "Install the test peers with `.ci/install-peers` as root (apt-get install mosquitto mosquitto-clients; "
        + "npm ci in tests/Tern.Interop.Tests/node).";

    /// <summary>The Mosquitto broker executable (Debian installs it in /usr/sbin, often not on a user's PATH).</summary>
    public static string Mosquitto() => Executable("mosquitto", "/usr/sbin/mosquitto", "Debian package mosquitto");

    /// <summary>The mosquitto_pub executable.</summary>
    public static string MosquittoPub() => Executable("mosquitto_pub", "/usr/bin/mosquitto_pub", "Debian package mosquitto-clients");

    /// <summary>The mosquitto_sub executable.</summary>
    public static string MosquittoSub() => Executable("mosquitto_sub", "/usr/bin/mosquitto_sub", "Debian package mosquitto-clients");

    /// <summary>The node executable.</summary>
    public static string Node() => Executable("node", "/usr/bin/node", "Node.js 18 or later");

    /// <summary>Checks that <c>npm ci</c> installed <paramref name="module"/> under <paramref name="nodeDirectory"/>.</summary>
    /// <returns>The module's installed version.</returns>
    public static string NodeModule(string nodeDirectory, string module)
    {
        string manifest = Path.Combine(nodeDirectory, "node_modules", module, "package.json");
        if (!File.Exists(manifest))
        {
            throw new ExpectationFailedException(
                $"The node module '{module}' is not installed: {manifest} is missing. {InstallHint}");
        }

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.GetProperty("version").GetString() ?? "unknown";
    }

    /// <summary>Finds <paramref name="name"/> at <paramref name="usualPath"/> or on PATH.</summary>
    /// <exception cref="ExpectationFailedException">Not found: the message says what to install.</exception>
    public static string Executable(string name, string usualPath, string providedBy)
    {
        ArgumentNullException.ThrowIfNull(usualPath);
        if (File.Exists(usualPath))
        {
            return usualPath;
        }

        string? path = Environment.GetEnvironmentVariable("PATH");
        foreach (string directory in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ExpectationFailedException($"The test peer '{name}' ({providedBy}) is not installed. {InstallHint}");
    }
}
