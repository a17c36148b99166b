using System.Buffers;
using System.Diagnostics;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Xunit.Abstractions;

namespace Tern.Protocol.Tests.Robustness;

/// <summary>What one scan or decode returned.</summary>
internal readonly record struct Outcome(FrameStatus Status, FixedHeader Header, ProtocolViolation Violation);

/// <summary>
/// The robustness test of the codec (RELIABILITY.md A25 at the codec level): 120,000 seeded random and mutated frames,
/// each decoded as 3.1, 3.1.1 and 5.0 through <see cref="PacketDecoder.ValidateFrame"/>, a fifth of them also scanned
/// from a multi-segment sequence. Nothing may throw; every refusal is a typed result with a failure reason code and a
/// versioned statement; decoding the same bytes twice gives the same answer; the decode loop allocates nothing; and no
/// single decode takes long (each is linear in its input, so a slow one would be a loop that does not advance).
/// The seed is printed; set <c>TERN_FUZZ_SEED</c> to replay a failure or explore other inputs.
/// </summary>
public class FuzzDecodeTests(ITestOutputHelper output)
{
    private const int InputCount = 120_000;
    private const double SlowestDecodeBoundMilliseconds = 50;

    private static readonly ProtocolVersion[] Versions = [ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500];

    [Fact]
    public void Random_and_mutated_frames_give_only_typed_results_deterministically_without_allocating()
    {
        int seed = FuzzSeed.Get();
        output.WriteLine($"seed {seed} (set {FuzzSeed.Variable} to replay or explore another)");
        var corpus = SeedCorpus.Build();
        var generator = new FuzzInputGenerator(new Random(seed), corpus);
        var inputs = new FuzzInput[InputCount];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = generator.Next();
        }

        // Pass 1: any exception is caught and reported with the input that raised it.
        var decoded = new Outcome[InputCount * Versions.Length];
        var scanned = new Outcome[InputCount];
        var segmentScanned = new Outcome[InputCount];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            try
            {
                for (int v = 0; v < Versions.Length; v++)
                {
                    decoded[(i * Versions.Length) + v] = Decode(input, Versions[v]);
                }

                scanned[i] = Scan(input);
                if (input.IsSegmented)
                {
                    segmentScanned[i] = ScanSegments(input);
                }
            }
            catch (Exception e)
            {
                Assert.Fail($"{Describe(seed, i, input, corpus)} threw {e}");
            }
        }

        var failures = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            Check(inputs[i], decoded.AsSpan(i * Versions.Length, Versions.Length), scanned[i], segmentScanned[i], failures, () => Describe(seed, i, inputs[i], corpus));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures; the first ones:\n{string.Join("\n", failures.Take(10))}");

        // Pass 2, measured: the same inputs again (so every code path is already compiled), decode calls only.
        var ticks = new long[InputCount];
        int mismatches = 0, firstMismatch = -1;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            long t0 = Stopwatch.GetTimestamp();
            bool same = true;
            for (int v = 0; v < Versions.Length; v++)
            {
                same &= Decode(input, Versions[v]) == decoded[(i * Versions.Length) + v];
            }

            same &= Scan(input) == scanned[i];
            if (input.IsSegmented)
            {
                same &= ScanSegments(input) == segmentScanned[i];
            }

            ticks[i] = Stopwatch.GetTimestamp() - t0;
            if (!same)
            {
                mismatches++;
                firstMismatch = firstMismatch < 0 ? i : firstMismatch;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        int slowest = Array.IndexOf(ticks, ticks.Max());
        double slowestFirstMs = Stopwatch.GetElapsedTime(0, ticks[slowest]).TotalMilliseconds;
        double slowestRetimedMs = Retime(inputs[slowest]);
        Report(inputs, decoded, scanned, elapsed, allocated, slowest, slowestFirstMs, slowestRetimedMs);

        Assert.True(mismatches == 0, $"{mismatches} inputs decoded differently the second time; first: {(firstMismatch < 0 ? "" : Describe(seed, firstMismatch, inputs[firstMismatch], corpus))}");
        Assert.Equal(0, allocated);

        // A decode that loops without advancing would be slow on every run; a thread preempted on a busy machine is
        // slow once. So the slowest input is timed again, best of five, before it is judged.
        Assert.True(slowestRetimedMs < SlowestDecodeBoundMilliseconds, $"slowest input takes {slowestRetimedMs:F2} ms: {Describe(seed, slowest, inputs[slowest], corpus)}");

        // The inputs must reach the decoders, not only the scanner, or this test would prove little.
        int reachedDecoder = 0, complete = 0, distinctStatements = decoded.Where(o => o.Status == FrameStatus.Invalid).Select(o => o.Violation.Statement).Distinct().Count();
        for (int i = 0; i < decoded.Length; i++)
        {
            if (scanned[i / Versions.Length].Status == FrameStatus.Complete)
            {
                reachedDecoder++;
                complete += decoded[i].Status == FrameStatus.Complete ? 1 : 0;
            }
        }

        Assert.True(reachedDecoder > decoded.Length / 2, $"only {reachedDecoder} of {decoded.Length} decodes got past the scanner");
        Assert.True(complete > decoded.Length / 20, $"only {complete} decodes accepted the packet: the mutations are too destructive to explore the decoders");
        Assert.True(distinctStatements >= 110, $"only {distinctStatements} distinct statements reported");
    }

    private static Outcome Decode(FuzzInput input, ProtocolVersion version)
    {
        var status = PacketDecoder.ValidateFrame(input.Bytes, version, input.MaximumPacketSize, out var header, out var violation);
        return new Outcome(status, header, violation);
    }

    private static Outcome Scan(FuzzInput input)
    {
        var status = FrameScanner.TryScan(input.Bytes.AsSpan(), input.MaximumPacketSize, out var header, out var violation);
        return new Outcome(status, header, violation);
    }

    private static Outcome ScanSegments(FuzzInput input)
    {
        var status = FrameScanner.TryScan(input.Segmented, input.MaximumPacketSize, out var header, out var violation);
        return new Outcome(status, header, violation);
    }

    private static void Check(FuzzInput input, ReadOnlySpan<Outcome> byVersion, Outcome scan, Outcome segmentScan, List<string> failures, Func<string> describe)
    {
        void Fail(string what) => failures.Add($"{what}: {describe()}");

        if (input.IsSegmented && segmentScan != scan)
        {
            Fail($"segmented scan {segmentScan} differs from span scan {scan}");
        }

        for (int v = 0; v < byVersion.Length; v++)
        {
            var o = byVersion[v];
            string version = Versions[v].ToString();
            if (o.Header != byVersion[0].Header)
            {
                Fail($"{version}: header {o.Header} differs from {Versions[0]}'s {byVersion[0].Header}");
            }

            switch (o.Status)
            {
                case FrameStatus.Invalid:
                    if (o.Violation.IsNone || !ReasonCodes.IsDefined(o.Violation.ReasonCode) || !ReasonCodes.IsFailure(o.Violation.ReasonCode))
                    {
                        Fail($"{version}: Invalid with reason code 0x{(byte)o.Violation.ReasonCode:X2}");
                    }
                    else if (!(o.Violation.Statement.StartsWith("3.1.1 ", StringComparison.Ordinal)
                        || o.Violation.Statement.StartsWith("5.0 ", StringComparison.Ordinal)
                        || o.Violation.Statement.StartsWith("3.1 ", StringComparison.Ordinal)))
                    {
                        Fail($"{version}: statement '{o.Violation.Statement}' has no version prefix");
                    }
                    else if (string.IsNullOrEmpty(o.Violation.Description))
                    {
                        Fail($"{version}: Invalid without a description");
                    }

                    if (scan.Status == FrameStatus.Invalid && o.Violation != scan.Violation)
                    {
                        Fail($"{version}: scanner refused with {scan.Violation} but ValidateFrame reported {o.Violation}");
                    }

                    break;
                case FrameStatus.Complete:
                    if (!o.Violation.IsNone || scan.Status != FrameStatus.Complete || o.Header != scan.Header
                        || o.Header.TotalLength > input.Bytes.Length || o.Header.TotalLength > input.MaximumPacketSize
                        || o.Header.FirstByte != input.Bytes[0])
                    {
                        Fail($"{version}: Complete does not fit the input: {o}");
                    }

                    break;
                case FrameStatus.NeedMoreData:
                    bool headerCut = o.Header == default;
                    if (!o.Violation.IsNone || scan.Status != FrameStatus.NeedMoreData
                        || (!headerCut && o.Header.TotalLength <= input.Bytes.Length) || (headerCut && input.Bytes.Length > 4))
                    {
                        Fail($"{version}: NeedMoreData does not fit the input: {o}");
                    }

                    break;
                default:
                    Fail($"{version}: status {(int)o.Status} is not a FrameStatus");
                    break;
            }
        }
    }

    private static double Retime(FuzzInput input)
    {
        double best = double.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long t0 = Stopwatch.GetTimestamp();
            foreach (var version in Versions)
            {
                Decode(input, version);
            }

            Scan(input);
            if (input.IsSegmented)
            {
                ScanSegments(input);
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        return best;
    }

    private void Report(FuzzInput[] inputs, Outcome[] decoded, Outcome[] scanned, TimeSpan elapsed, long allocated, int slowest, double slowestFirstMs, double slowestRetimedMs)
    {
        output.WriteLine($"{inputs.Length} inputs ({inputs.Count(i => i.IsSegmented)} also scanned in segments), {decoded.Length} ValidateFrame calls; measured pass {elapsed.TotalMilliseconds:F0} ms, {allocated} B allocated");
        output.WriteLine($"slowest input #{slowest} ({inputs[slowest].Kind}, {inputs[slowest].Bytes.Length} B): {slowestFirstMs:F3} ms in the measured pass, best of five again {slowestRetimedMs:F3} ms");
        for (int v = 0; v < Versions.Length; v++)
        {
            var statuses = Enumerable.Range(0, inputs.Length).Select(i => decoded[(i * Versions.Length) + v].Status).ToList();
            output.WriteLine($"{Versions[v]}: Complete {statuses.Count(s => s == FrameStatus.Complete)}, NeedMoreData {statuses.Count(s => s == FrameStatus.NeedMoreData)}, Invalid {statuses.Count(s => s == FrameStatus.Invalid)}");
        }

        output.WriteLine($"scanner alone: {string.Join(", ", scanned.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}");
        foreach (var kind in inputs.GroupBy(i => i.Kind).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {kind.Key}: {kind.Count()} inputs");
        }

        var invalid = decoded.Where(o => o.Status == FrameStatus.Invalid).ToList();
        output.WriteLine($"reason codes: {string.Join(", ", invalid.GroupBy(o => o.Violation.ReasonCode).OrderBy(g => g.Key).Select(g => $"0x{(byte)g.Key:X2} {g.Count()}"))}");
        output.WriteLine($"{invalid.Select(o => o.Violation.Statement).Distinct().Count()} distinct statements; most frequent:");
        foreach (var statement in invalid.GroupBy(o => o.Violation.Statement).OrderByDescending(g => g.Count()).Take(12))
        {
            output.WriteLine($"  {statement.Count(),7}  {statement.Key}");
        }
    }

    private static string Describe(int seed, int index, FuzzInput input, IReadOnlyList<CorpusFrame> corpus)
    {
        string source = input.Source < 0 ? "" : $" from '{corpus[input.Source].Name}' ({corpus[input.Source].Version})";
        string segments = input.IsSegmented ? $", segments of {string.Join("+", SegmentLengths(input.Segmented))}" : "";
        return $"seed {seed} input #{index} {input.Kind}{source}, max packet size {input.MaximumPacketSize}{segments}: {Convert.ToHexString(input.Bytes)}";
    }

    private static IEnumerable<int> SegmentLengths(ReadOnlySequence<byte> sequence)
    {
        foreach (var segment in sequence)
        {
            yield return segment.Length;
        }
    }
}
