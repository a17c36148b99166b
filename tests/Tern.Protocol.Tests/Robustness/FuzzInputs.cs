using System.Buffers;
using System.Globalization;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Robustness;

/// <summary>How a fuzz input was made.</summary>
internal enum InputKind
{
    RandomBytes,
    RandomBodyUnderValidHeader,
    BitFlips,
    InterestingBytes,
    Insertion,
    Deletion,
    Truncation,
    DuplicatedRegion,
    RemainingLengthRewrite,
    PropertyLengthRewrite,
    StringLengthRewrite,
    Stacked,
}

/// <summary>One input: its bytes, how it was made, and, for some, the same bytes split over several segments.</summary>
internal sealed class FuzzInput
{
    public required byte[] Bytes { get; init; }

    public required InputKind Kind { get; init; }

    /// <summary>The corpus frame it was mutated from, or -1.</summary>
    public required int Source { get; init; }

    public required int MaximumPacketSize { get; init; }

    /// <summary>The same bytes in two or three segments, or an empty sequence when this input is scanned as a span only.</summary>
    public ReadOnlySequence<byte> Segmented { get; init; }

    public bool IsSegmented => Segmented.Length > 0;
}

/// <summary>The seed: fixed by default, overridden by the environment variable <c>TERN_FUZZ_SEED</c> to replay or explore.</summary>
internal static class FuzzSeed
{
    public const string Variable = "TERN_FUZZ_SEED";
    public const int Default = 20_240_611;

    public static int Get() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : Default;
}

/// <summary>
/// Makes fuzz inputs from a seeded <see cref="Random"/>: random bytes, random bodies under a well-formed fixed header,
/// and mutations of the seed corpus, some aimed at the length fields <see cref="FrameFields"/> found.
/// </summary>
internal sealed class FuzzInputGenerator(Random random, IReadOnlyList<CorpusFrame> corpus)
{
    private static readonly byte[] Interesting = [0x00, 0x7F, 0x80, 0xFF];

    // The first byte each packet type must have (PUBLISH varies; 0x30 here).
    private static readonly byte[] ValidFirstBytes = [0x10, 0x20, 0x30, 0x40, 0x50, 0x62, 0x70, 0x82, 0x90, 0xA2, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0];

    private readonly FrameFields[] _fields = [.. corpus.Select(c => FrameFields.Locate(c.Frame, c.Version))];

    public FuzzInput Next()
    {
        int roll = random.Next(100);
        var (bytes, kind, source) = roll switch
        {
            < 8 => (RandomBytes(), InputKind.RandomBytes, -1),
            < 18 => (RandomBodyUnderValidHeader(), InputKind.RandomBodyUnderValidHeader, -1),
            _ => Mutation(),
        };

        int max = random.Next(20) switch
        {
            0 => random.Next(2, 512),
            1 => bytes.Length,
            _ => int.MaxValue,
        };

        ReadOnlySequence<byte> segmented = default;
        if (bytes.Length >= 2 && random.Next(5) == 0)
        {
            int first = random.Next(1, bytes.Length);
            segmented = random.Next(3) == 0 && bytes.Length >= 3
                ? Segments.Split(bytes, first, random.Next(1, bytes.Length))
                : Segments.Split(bytes, first);
        }

        return new FuzzInput { Bytes = bytes, Kind = kind, Source = source, MaximumPacketSize = Math.Max(max, 1), Segmented = segmented };
    }

    private byte[] RandomBytes()
    {
        int length = random.Next(20) switch
        {
            < 14 => random.Next(0, 17),
            < 19 => random.Next(17, 257),
            _ => random.Next(257, 4097),
        };
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private byte[] RandomBodyUnderValidHeader()
    {
        byte first = random.Next(3) == 0 ? (byte)random.Next(256) : ValidFirstBytes[random.Next(ValidFirstBytes.Length)];
        var body = new byte[random.Next(4) == 0 ? random.Next(0, 300) : random.Next(0, 24)];
        random.NextBytes(body);
        return Frame(first, body);
    }

    private (byte[] Bytes, InputKind Kind, int Source) Mutation()
    {
        int source = random.Next(corpus.Count);
        byte[] frame = corpus[source].Frame;
        var fields = _fields[source];
        if (random.Next(4) == 0)
        {
            // Stacked: maybe one length field rewritten on the pristine frame, then two to four blind mutations.
            byte[] bytes = random.Next(2) == 0 ? frame : Aimed(frame, fields, (InputKind)random.Next((int)InputKind.RemainingLengthRewrite, (int)InputKind.Stacked));
            int count = random.Next(2, 5);
            for (int i = 0; i < count; i++)
            {
                bytes = Blind(bytes, (InputKind)random.Next((int)InputKind.BitFlips, (int)InputKind.RemainingLengthRewrite));
            }

            return (bytes, InputKind.Stacked, source);
        }

        var kind = (InputKind)random.Next((int)InputKind.BitFlips, (int)InputKind.Stacked);
        return (kind >= InputKind.RemainingLengthRewrite ? Aimed(frame, fields, kind) : Blind(frame, kind), kind, source);
    }

    // Mutations that need no knowledge of the layout. Those that change the body's size re-frame it half of the time
    // (remaining length rewritten to match) so the decoders see the result, not just the scanner.
    private byte[] Blind(byte[] frame, InputKind kind)
    {
        var bytes = frame.ToList();
        int header = HeaderLength(frame);
        switch (kind)
        {
            case InputKind.BitFlips:
                for (int n = random.Next(1, 9); n > 0 && bytes.Count > 0; n--)
                {
                    bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                }

                return [.. bytes];
            case InputKind.InterestingBytes:
                for (int n = random.Next(1, 5); n > 0 && bytes.Count > 0; n--)
                {
                    bytes[random.Next(bytes.Count)] = Interesting[random.Next(Interesting.Length)];
                }

                return [.. bytes];
            case InputKind.Insertion:
                var inserted = new byte[random.Next(1, 17)];
                if (random.Next(2) == 0)
                {
                    random.NextBytes(inserted);
                }
                else
                {
                    Array.Fill(inserted, Interesting[random.Next(Interesting.Length)]);
                }

                bytes.InsertRange(random.Next(header, bytes.Count + 1), inserted);
                break;
            case InputKind.Deletion:
                if (bytes.Count > header)
                {
                    int at = random.Next(header, bytes.Count);
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 17), bytes.Count - at));
                }

                break;
            case InputKind.Truncation:
                int keep = random.Next(0, bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                if (bytes.Count < header)
                {
                    return [.. bytes];
                }

                break;
            case InputKind.DuplicatedRegion:
                if (bytes.Count > header)
                {
                    int from = random.Next(header, bytes.Count);
                    var region = bytes.GetRange(from, Math.Min(random.Next(1, 33), bytes.Count - from));
                    bytes.InsertRange(random.Next(header, bytes.Count + 1), region);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return Reframe([.. bytes], header);
    }

    private byte[] Reframe(byte[] bytes, int header) =>
        random.Next(2) == 0 || header < 1 || header > bytes.Length ? bytes : Frame(bytes[0], bytes.AsSpan(header));

    // Mutations aimed at a length field of a frame from the corpus.
    private byte[] Aimed(byte[] frame, FrameFields fields, InputKind kind)
    {
        switch (kind)
        {
            case InputKind.RemainingLengthRewrite:
            {
                int actual = frame.Length - fields.HeaderLength;
                byte[] length = random.Next(10) switch
                {
                    0 => [0x80, 0x80, 0x80, 0x80, 0x01],
                    1 => [0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
                    2 => [(byte)(0x80 | random.Next(128)), 0x80, 0x80, 0x80, (byte)random.Next(256)],
                    3 => [0xFF, 0xFF, 0xFF, 0x7F],
                    4 => NonMinimal(actual),
                    5 => Vbi(0),
                    6 => Vbi(random.Next(0, VariableByteInteger.MaxValue + 1)),
                    _ => Vbi(Math.Max(0, actual + random.Next(-3, 4))),
                };
                return [frame[0], .. length, .. frame.AsSpan(fields.HeaderLength)];
            }

            case InputKind.PropertyLengthRewrite when fields.PropertyLengths.Count > 0:
            {
                int at = fields.PropertyLengths[random.Next(fields.PropertyLengths.Count)];
                int size = 1;
                while ((frame[at + size - 1] & 0x80) != 0)
                {
                    size++;
                }

                int old = ReadVbi(frame.AsSpan(at));
                int toEnd = frame.Length - at - size;
                byte[] length = random.Next(10) switch
                {
                    0 => [0x80, 0x80, 0x80, 0x80, 0x01],
                    1 => NonMinimal(old),
                    2 => [0xFF, 0xFF, 0xFF, 0x7F],
                    3 => Vbi(0),
                    4 => Vbi(toEnd),
                    5 => Vbi(toEnd + random.Next(1, 300)),
                    6 => Vbi(0x7F),
                    _ => Vbi(Math.Max(0, old + random.Next(-3, 4))),
                };
                int header = fields.HeaderLength;
                return Reframe([.. frame.AsSpan(0, at), .. length, .. frame.AsSpan(at + size)], header);
            }

            case InputKind.StringLengthRewrite when fields.StringLengths.Count > 0:
            {
                int at = fields.StringLengths[random.Next(fields.StringLengths.Count)];
                int old = (frame[at] << 8) | frame[at + 1];
                int toEnd = frame.Length - at - 2;
                int value = random.Next(9) switch
                {
                    0 => 0,
                    1 => 0xFFFF,
                    2 => 0x8000,
                    3 => 0x00FF,
                    4 => toEnd,
                    5 => toEnd + 1,
                    6 => random.Next(0x10000),
                    _ => Math.Clamp(old + random.Next(-3, 4), 0, 0xFFFF),
                };
                byte[] bytes = (byte[])frame.Clone();
                bytes[at] = (byte)(value >> 8);
                bytes[at + 1] = (byte)value;
                return bytes;
            }

            default:
                // No such field in this frame (e.g. a 3.1.1 packet has no property length): flip bits instead.
                return Blind(frame, InputKind.BitFlips);
        }
    }

    private static byte[] Frame(byte first, ReadOnlySpan<byte> body) => [first, .. Vbi(body.Length), .. body];

    private static byte[] Vbi(int value)
    {
        var bytes = new byte[VariableByteInteger.GetSize(value)];
        VariableByteInteger.Write(bytes, value);
        return bytes;
    }

    // The same value padded with a continuation byte and a trailing zero: an encoding MQTT-1.5.5-1 forbids.
    private static byte[] NonMinimal(int value)
    {
        byte[] minimal = Vbi(Math.Min(value, 2_097_151));
        minimal[^1] |= 0x80;
        return [.. minimal, 0x00];
    }

    private static int ReadVbi(ReadOnlySpan<byte> source) =>
        VariableByteInteger.TryRead(source, out int value, out _) == OperationStatus.Done ? value : 0;

    // The fixed header's length as far as it can be read: 1 + the remaining length's bytes (at most 4).
    private static int HeaderLength(byte[] frame)
    {
        int i = 1;
        while (i < frame.Length && i < 5 && (frame[i] & 0x80) != 0)
        {
            i++;
        }

        return Math.Min(i + 1, frame.Length);
    }
}
