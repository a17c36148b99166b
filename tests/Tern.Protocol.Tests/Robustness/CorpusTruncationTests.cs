using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;
using Xunit.Abstractions;

namespace Tern.Protocol.Tests.Robustness;

/// <summary>
/// Properties of the seed corpus under truncation: a frame cut short is never taken for a whole packet, and a body cut
/// short under a rewritten length is refused, unless the shorter packet is itself valid (a PUBLISH payload, a list of
/// filters or reason codes, a 5.0 short form).
/// </summary>
public class CorpusTruncationTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<CorpusFrame> Corpus = SeedCorpus.Build();

    [Fact]
    public void The_seed_corpus_holds_all_15_packet_types_in_every_version_and_every_frame_is_valid()
    {
        foreach (var c in Corpus)
        {
            var status = PacketDecoder.ValidateFrame(c.Frame, c.Version, int.MaxValue, out var header, out var violation);
            Assert.True(status == FrameStatus.Complete, $"{c.Name} ({c.Version}): {status} {violation}");
            Assert.Equal(c.Frame.Length, header.TotalLength);

            var fields = FrameFields.Locate(c.Frame, c.Version);
            Assert.Equal(header.HeaderLength, fields.HeaderLength);
            Assert.All(fields.StringLengths, at => Assert.True(at + 2 + ((c.Frame[at] << 8) | c.Frame[at + 1]) <= c.Frame.Length, $"{c.Name}: string at {at} overruns"));
        }

        var types = Corpus.Select(c => (PacketType)(c.Frame[0] >> 4)).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 15).Select(t => (PacketType)t).ToHashSet(), types);
        foreach (var version in (ProtocolVersion[])[ProtocolVersion.V310, ProtocolVersion.V311])
        {
            Assert.Equal(14, Corpus.Where(c => c.Version == version).Select(c => c.Frame[0] >> 4).Distinct().Count());
        }

        Assert.Equal(15, Corpus.Where(c => c.Version == ProtocolVersion.V500).Select(c => c.Frame[0] >> 4).Distinct().Count());

        // The length fields the mutations aim at are there: property blocks in 5.0, strings everywhere.
        var v5 = Corpus.Where(c => c.Version == ProtocolVersion.V500).Select(c => FrameFields.Locate(c.Frame, c.Version)).ToList();
        Assert.True(v5.Sum(f => f.PropertyLengths.Count) >= 20);
        Assert.True(v5.Sum(f => f.StringLengths.Count) >= 80);
        output.WriteLine($"{Corpus.Count} corpus frames, {Corpus.Sum(c => c.Frame.Length)} bytes");
    }

    [Fact]
    public void A_corpus_frame_cut_at_any_length_needs_more_data_from_span_and_segments()
    {
        int cuts = 0;
        foreach (var c in Corpus)
        {
            var full = FrameScanner.TryScan(c.Frame, int.MaxValue, out var fullHeader, out _);
            Assert.Equal(FrameStatus.Complete, full);
            for (int length = 0; length < c.Frame.Length; length++)
            {
                byte[] cut = c.Frame[..length];
                var expectedHeader = length >= fullHeader.HeaderLength ? fullHeader : default;
                string where = $"{c.Name} ({c.Version}) cut to {length} of {c.Frame.Length}";

                Assert.True(FrameScanner.TryScan(cut, int.MaxValue, out var header, out var violation) == FrameStatus.NeedMoreData, where);
                Assert.True(violation.IsNone, where);
                Assert.True(header == expectedHeader, $"{where}: header {header}");

                Assert.True(PacketDecoder.ValidateFrame(cut, c.Version, int.MaxValue, out header, out violation) == FrameStatus.NeedMoreData, where);
                Assert.True(violation.IsNone && header == expectedHeader, where);

                if (length >= 2)
                {
                    var segmented = Segments.Split(cut, length / 2);
                    Assert.True(FrameScanner.TryScan(segmented, int.MaxValue, out header, out violation) == FrameStatus.NeedMoreData, $"{where}, in two segments");
                    Assert.True(violation.IsNone && header == expectedHeader, $"{where}, in two segments");
                }

                cuts++;
            }
        }

        output.WriteLine($"{cuts} cuts");
    }

    [Fact]
    public void A_corpus_frame_with_its_body_cut_and_its_length_rewritten_is_refused_or_is_a_shorter_valid_packet()
    {
        int refused = 0, shorterValid = 0;
        var codes = new Dictionary<ReasonCode, int>();
        foreach (var c in Corpus)
        {
            byte[] body = Hex.SplitFrame(c.Frame, out var fixedHeader);
            var type = fixedHeader.Type;
            for (int length = 0; length < body.Length; length++)
            {
                byte[] frame = Reframe(c.Frame[0], body.AsSpan(0, length));
                string where = $"{c.Name} ({c.Version}) body cut to {length} of {body.Length}: {Convert.ToHexString(frame)}";
                var status = PacketDecoder.ValidateFrame(frame, c.Version, int.MaxValue, out var decodedHeader, out var violation);
                switch (status)
                {
                    case FrameStatus.Complete:
                        Assert.True(MayBeShorter(type, c.Version), $"{where}: accepted");
                        Assert.True(decodedHeader.TotalLength == frame.Length, $"{where}: accepted with length {decodedHeader.TotalLength}");
                        shorterValid++;
                        break;
                    case FrameStatus.Invalid:
                        Assert.True(violation.ReasonCode is ReasonCode.MalformedPacket or ReasonCode.ProtocolError, $"{where}: {violation}");
                        Assert.Matches(@"^(3\.1\.1|5\.0|3\.1) ", violation.Statement);
                        codes[violation.ReasonCode] = codes.GetValueOrDefault(violation.ReasonCode) + 1;
                        refused++;
                        break;
                    default:
                        Assert.Fail($"{where}: {status}");
                        break;
                }
            }
        }

        output.WriteLine($"{refused} refused ({string.Join(", ", codes.Select(kv => $"0x{(byte)kv.Key:X2} {kv.Value}"))}), {shorterValid} shorter valid packets");
        Assert.True(refused > shorterValid);
    }

    [Fact]
    public void A_corpus_frame_followed_by_more_bytes_or_split_anywhere_decodes_as_itself()
    {
        byte[] next = [0xC0, 0x00, 0x30, 0x80];
        foreach (var c in Corpus)
        {
            byte[] followed = [.. c.Frame, .. next];
            Assert.Equal(FrameStatus.Complete, PacketDecoder.ValidateFrame(followed, c.Version, int.MaxValue, out var header, out _));
            Assert.Equal(c.Frame.Length, header.TotalLength);

            for (int at = 1; at < c.Frame.Length; at++)
            {
                Assert.Equal(FrameStatus.Complete, FrameScanner.TryScan(Segments.Split(followed, at), int.MaxValue, out var segmentedHeader, out _));
                Assert.Equal(header, segmentedHeader);
            }
        }
    }

    // Packets that stay valid when their body is cut at a field boundary: a PUBLISH with less payload, a SUBSCRIBE or
    // UNSUBSCRIBE with fewer filters, a SUBACK (or a 5.0 UNSUBACK) with fewer codes, the 5.0 short forms of the
    // acknowledgements, DISCONNECT and AUTH. CONNECT, CONNACK, PINGs and the 3.1/3.1.1 fixed-size packets never do.
    private static bool MayBeShorter(PacketType type, ProtocolVersion version) => type switch
    {
        PacketType.Publish or PacketType.Subscribe or PacketType.Unsubscribe or PacketType.SubAck => true,
        PacketType.UnsubAck or PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp
            or PacketType.Disconnect or PacketType.Auth => version == ProtocolVersion.V500,
        _ => false,
    };

    private static byte[] Reframe(byte first, ReadOnlySpan<byte> body)
    {
        var length = new byte[VariableByteInteger.GetSize(body.Length)];
        VariableByteInteger.Write(length, body.Length);
        return [first, .. length, .. body];
    }
}
