using System.Text.Unicode;

namespace Tern.Protocol;

/// <summary>What <see cref="Utf8Rules.Check"/> found in a UTF-8 Encoded String.</summary>
public enum Utf8Status : byte
{
    /// <summary>Well-formed, no U+0000, no control characters.</summary>
    Valid = 0,

    /// <summary>
    /// Well-formed, but holds a control character U+0001..U+001F or U+007F..U+009F. The specification says a sender
    /// SHOULD NOT send these and a receiver MAY close the connection ([MQTT-1.5.4-2]/[MQTT-1.5.3-2] note); whether to
    /// accept them is the receiver's policy.
    /// </summary>
    ControlCharacter = 1,

    /// <summary>Ill-formed UTF-8: overlong forms, surrogates U+D800..U+DFFF, code points above U+10FFFF, truncated sequences ([MQTT-1.5.4-1], [MQTT-1.5.3-1]).</summary>
    IllFormed = 2,

    /// <summary>Holds the null character U+0000 ([MQTT-1.5.4-2], [MQTT-1.5.3-2]).</summary>
    NullCharacter = 3,
}

/// <summary>The rules for UTF-8 Encoded Strings in MQTT (3.1.1 §1.5.3, 5.0 §1.5.4), on spans, without decoding to UTF-16.</summary>
public static class Utf8Rules
{
    /// <summary>
    /// Checks a UTF-8 string. The BOM U+FEFF is an ordinary character and is never stripped ([MQTT-1.5.4-3]).
    /// Non-characters such as U+FFFF are well-formed and reported as <see cref="Utf8Status.Valid"/>.
    /// </summary>
    public static Utf8Status Check(ReadOnlySpan<byte> utf8)
    {
        // Fast path: pure ASCII without control characters is by far the common case for topics and client ids.
        int firstSuspect = utf8.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);
        if (firstSuspect < 0)
        {
            return Utf8Status.Valid;
        }

        if (!Utf8.IsValid(utf8))
        {
            return Utf8Status.IllFormed;
        }

        if (utf8.Contains((byte)0))
        {
            return Utf8Status.NullCharacter;
        }

        // C0 controls U+0001..U+001F and DEL U+007F are single bytes; C1 controls U+0080..U+009F are C2 80..C2 9F.
        var rest = utf8[firstSuspect..];
        if (rest.IndexOfAnyInRange((byte)0x01, (byte)0x1F) >= 0 || rest.Contains((byte)0x7F))
        {
            return Utf8Status.ControlCharacter;
        }

        for (int i = rest.IndexOf((byte)0xC2); i >= 0 && i + 1 < rest.Length; i = NextC2(rest, i))
        {
            if (rest[i + 1] is >= 0x80 and <= 0x9F)
            {
                return Utf8Status.ControlCharacter;
            }
        }

        return Utf8Status.Valid;

        static int NextC2(ReadOnlySpan<byte> s, int i)
        {
            int next = s[(i + 1)..].IndexOf((byte)0xC2);
            return next < 0 ? -1 : i + 1 + next;
        }
    }

    /// <summary>True when the string is one the specification requires receivers to accept: well-formed and free of U+0000.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> utf8) => Check(utf8) is Utf8Status.Valid or Utf8Status.ControlCharacter;
}
