namespace Tern.Broker.Tests.Limits;

/// <summary>
/// Tests that measure the process's heap run alone, after the parallel ones: another test allocating at the same time
/// would show up as the broker's growth.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "Memory-measuring limit tests";
}
