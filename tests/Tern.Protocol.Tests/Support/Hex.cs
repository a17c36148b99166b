using System.Globalization;
using System.Text;
using Tern.Protocol.Framing;

namespace Tern.Protocol.Tests.Support;

/// <summary>Hex strings for golden vectors: "30 0A 00 03 'a/b' ..." — bytes in hex, text in single quotes as UTF-8.</summary>
internal static class Hex
{
    public static byte[] Bytes(string text)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                bytes.AddRange(Encoding.UTF8.GetBytes(text[(i + 1)..end]));
                i = end;
                continue;
            }

            bytes.Add(byte.Parse(text.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            i++;
        }

        return [.. bytes];
    }

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>Scans one whole frame and returns its fixed header and body; fails the test if the frame is not complete.</summary>
    public static byte[] SplitFrame(byte[] frame, out FixedHeader header)
    {
        var status = FrameScanner.TryScan(frame, int.MaxValue, out header, out var violation);
        Assert.True(status == FrameStatus.Complete, $"frame not complete: {status} {violation}");
        Assert.Equal(frame.Length, header.TotalLength);
        return frame[header.HeaderLength..];
    }
}
