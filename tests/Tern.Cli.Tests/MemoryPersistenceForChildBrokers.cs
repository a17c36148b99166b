using System.Runtime.CompilerServices;

namespace Tern.Cli.Tests;

/// <summary>
/// <c>tern broker</c> keeps its state in <c>./tern-data</c> by default; brokers started by these tests would share that
/// directory (and each other's sessions) across tests. Every child process inherits this environment variable, so the
/// brokers here keep their state in memory unless a test says otherwise on the command line. Persistence itself is
/// tested in Tern.Persistence.Tests.
/// </summary>
internal static class MemoryPersistenceForChildBrokers
{
    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable("TERN_PERSISTENCE__MODE", "Memory");
}
