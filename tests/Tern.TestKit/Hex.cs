using System.Globalization;
using System.Text;

namespace Tern.TestKit;

/// <summary>
/// Byte scripts for protocol tests: <c>"10 0C 00 04 'MQTT' 04 02 00 3C 00 00"</c> is bytes in hex, text in single
/// quotes as UTF-8, white space ignored. The same syntax as the codec tests' golden vectors.
/// </summary>
public static class Hex
{
    /// <summary>Parses a byte script.</summary>
    /// <exception cref="FormatException">A hex pair is broken or a quote is not closed.</exception>
    public static byte[] Bytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new List<byte>(text.Length / 2);
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
                if (end < 0)
                {
                    throw new FormatException($"Unclosed quote at position {i} in \"{text}\".");
                }

                bytes.AddRange(Encoding.UTF8.GetBytes(text[(i + 1)..end]));
                i = end;
                continue;
            }

            if (i + 1 >= text.Length
                || !byte.TryParse(text.AsSpan(i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
            {
                throw new FormatException($"Not a hex byte at position {i} in \"{text}\".");
            }

            bytes.Add(value);
            i++;
        }

        return [.. bytes];
    }

    /// <summary>Formats bytes as spaced upper-case hex pairs, <c>"20 02 00 00"</c>, the way tests write them.</summary>
    public static string Format(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        var text = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            text.Append(b.ToString("X2", CultureInfo.InvariantCulture)).Append(' ');
        }

        return text.ToString(0, text.Length - 1);
    }

    /// <summary>Formats at most <paramref name="limit"/> bytes, then says how many there were: for failure messages.</summary>
    public static string Abbreviate(ReadOnlySpan<byte> bytes, int limit = 48) => bytes.Length <= limit
        ? Format(bytes)
        : string.Create(CultureInfo.InvariantCulture, $"{Format(bytes[..limit])} ... ({bytes.Length} bytes)");
}
