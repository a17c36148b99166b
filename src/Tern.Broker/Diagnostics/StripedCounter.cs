using System.Numerics;
using System.Runtime.InteropServices;

namespace Tern.Broker.Diagnostics;

/// <summary>
/// A count that threads on different cores add to at once without sharing a cache line: one cell per processor (a
/// power of two, at most 64), each alone on its own 128 bytes, chosen by the core the caller runs on; reading sums the
/// cells. A single shared field made every PUBLISH move one cache line between cores, so the broker's path ran slower
/// on two cores than on one (docs/benchmarks.md, "Cores").
/// </summary>
/// <remarks>The sum is exact once the adds have returned; read while adds run, it is some value the count passed
/// through or will pass through, as any counter read concurrently.</remarks>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int cells = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));
        _cells = new Cell[cells];
        _mask = cells - 1;
    }

    /// <summary>The count: the sum of the cells.</summary>
    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _cells.Length; i++)
            {
                sum += Volatile.Read(ref _cells[i].Value);
            }

            return sum;
        }
    }

    /// <summary>Adds <paramref name="value"/> (negative to subtract) to the cell of the caller's core.</summary>
    public void Add(long value) => Interlocked.Add(ref _cells[Thread.GetCurrentProcessorId() & _mask].Value, value);

    /// <summary>Adds one.</summary>
    public void Increment() => Add(1);

    /// <summary>Subtracts one.</summary>
    public void Decrement() => Add(-1);

    /// <summary>One count on a cache line of its own (and its neighbour's: adjacent-line prefetching pairs lines).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}
