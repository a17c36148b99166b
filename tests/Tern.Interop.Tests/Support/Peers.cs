using System.Reflection;

namespace Tern.Interop.Tests.Support;

/// <summary>Where the test peers live.</summary>
internal static class Peers
{
    /// <summary>tests/Tern.Interop.Tests/node in the source tree: package.json, the MQTT.js scripts and node_modules.</summary>
    public static string NodeDirectory { get; } = typeof(Peers).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeDirectory").Value!;
}
