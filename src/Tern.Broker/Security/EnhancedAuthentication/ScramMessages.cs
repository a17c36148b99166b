using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Tern.Protocol;

namespace Tern.Broker;

/// <summary>Why a SCRAM message was refused: the reason code for the client, and a description for the log.</summary>
internal readonly record struct ScramFailure(ReasonCode ReasonCode, string Description)
{
    public static ScramFailure Malformed(string description) => new(ReasonCode.BadUserNameOrPassword, description);

    public static ScramFailure Unsupported(string description) => new(ReasonCode.BadAuthenticationMethod, description);
}

/// <summary>A parsed client-first-message (RFC 5802 §7).</summary>
/// <param name="Gs2Header">The GS2 header exactly as sent (<c>n,,</c>, <c>y,,</c>, <c>n,a=user,</c>); client-final-message's <c>c=</c> must repeat it.</param>
/// <param name="UserName">The user name, <c>=2C</c> and <c>=3D</c> unescaped.</param>
/// <param name="ClientNonce">The client's nonce.</param>
/// <param name="Bare">client-first-message-bare exactly as sent: the first part of AuthMessage.</param>
internal sealed record ClientFirstMessage(string Gs2Header, string UserName, string ClientNonce, string Bare);

/// <summary>A parsed client-final-message (RFC 5802 §7).</summary>
/// <param name="ChannelBinding">The decoded <c>c=</c> value: the GS2 header, since channel binding data is not supported.</param>
/// <param name="Nonce">The <c>r=</c> value: the client and server nonces together.</param>
/// <param name="Proof">The decoded ClientProof.</param>
/// <param name="WithoutProof">client-final-message-without-proof exactly as sent: the last part of AuthMessage.</param>
internal sealed record ClientFinalMessage(byte[] ChannelBinding, string Nonce, byte[] Proof, string WithoutProof);

/// <summary>
/// The client messages of RFC 5802 §7, parsed strictly: attributes in the order of the grammar, every value non-empty,
/// unknown extensions only where the grammar allows them, and <c>m=</c> refused wherever it appears (§5.1).
/// </summary>
internal static class ScramMessages
{
    // Every attribute name RFC 5802 defines; one of them where an extension is allowed is a message out of order.
    private const string KnownAttributes = "acenimprsv";

    private static readonly System.Buffers.SearchValues<char> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    /// <summary>Decodes the bytes as UTF-8, refusing ill-formed sequences (RFC 5802 §5.1: messages are UTF-8).</summary>
    public static bool TryDecodeUtf8(ReadOnlySpan<byte> data, out string text, out ScramFailure failure)
    {
        if (!System.Text.Unicode.Utf8.IsValid(data))
        {
            text = string.Empty;
            failure = ScramFailure.Malformed("invalid-encoding: the message is not well-formed UTF-8");
            return false;
        }

        text = Encoding.UTF8.GetString(data);
        failure = default;
        return true;
    }

    public static bool TryParseClientFirst(string message, out ClientFirstMessage? parsed, out ScramFailure failure)
    {
        parsed = null;

        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        int flagEnd = message.IndexOf(',', StringComparison.Ordinal);
        if (flagEnd < 0)
        {
            failure = ScramFailure.Malformed("invalid-encoding: no GS2 header");
            return false;
        }

        var flag = message.AsSpan(0, flagEnd);
        if (flag.StartsWith("p="))
        {
            failure = ScramFailure.Unsupported("channel-binding-not-supported: the client requires channel binding (p=), which this mechanism does not offer");
            return false;
        }

        if (flag is not "n" and not "y")
        {
            failure = ScramFailure.Malformed("invalid-encoding: the channel binding flag is not n, y or p=");
            return false;
        }

        int authzidEnd = message.IndexOf(',', flagEnd + 1);
        if (authzidEnd < 0)
        {
            failure = ScramFailure.Malformed("invalid-encoding: the GS2 header does not end with a comma");
            return false;
        }

        string? authzid = null;
        var authzidField = message.AsSpan(flagEnd + 1, authzidEnd - flagEnd - 1);
        if (!authzidField.IsEmpty)
        {
            if (!authzidField.StartsWith("a="))
            {
                failure = ScramFailure.Malformed("invalid-encoding: the authorization identity is not a=saslname");
                return false;
            }

            if (!TryDecodeSaslName(authzidField[2..], out authzid, out failure))
            {
                return false;
            }
        }

        string gs2Header = message[..(authzidEnd + 1)];
        string bare = message[(authzidEnd + 1)..];

        // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
        string[] attributes = bare.Split(',');
        if (!CheckNotEmpty(attributes, out failure))
        {
            return false;
        }

        if (attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            failure = ScramFailure.Unsupported("extensions-not-supported: a mandatory extension (m=) that this server does not understand");
            return false;
        }

        if (!attributes[0].StartsWith("n=", StringComparison.Ordinal))
        {
            failure = ScramFailure.Malformed("invalid-encoding: client-first-message does not start with the user name (n=)");
            return false;
        }

        if (!TryDecodeSaslName(attributes[0].AsSpan(2), out string? userName, out failure))
        {
            return false;
        }

        if (attributes.Length < 2 || !attributes[1].StartsWith("r=", StringComparison.Ordinal) || !IsPrintable(attributes[1].AsSpan(2)))
        {
            failure = ScramFailure.Malformed("invalid-encoding: the user name is not followed by a printable nonce (r=)");
            return false;
        }

        if (!CheckExtensions(attributes.AsSpan(2), out failure))
        {
            return false;
        }

        if (authzid is not null && !string.Equals(authzid, userName, StringComparison.Ordinal))
        {
            failure = new ScramFailure(ReasonCode.NotAuthorized, "other-error: the client asks to act as another user (authzid differs from the user name)");
            return false;
        }

        parsed = new ClientFirstMessage(gs2Header, userName, attributes[1][2..], bare);
        return true;
    }

    public static bool TryParseClientFinal(string message, int proofLength, out ClientFinalMessage? parsed, out ScramFailure failure)
    {
        parsed = null;

        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        string[] attributes = message.Split(',');
        if (!CheckNotEmpty(attributes, out failure))
        {
            return false;
        }

        if (attributes.Length < 3)
        {
            failure = ScramFailure.Malformed("invalid-encoding: client-final-message needs c=, r= and p=");
            return false;
        }

        if (!attributes[0].StartsWith("c=", StringComparison.Ordinal) || !TryDecodeBase64(attributes[0].AsSpan(2), out byte[]? channelBinding))
        {
            failure = attributes[0].StartsWith("m=", StringComparison.Ordinal)
                ? ScramFailure.Unsupported("extensions-not-supported: a mandatory extension (m=) that this server does not understand")
                : ScramFailure.Malformed("invalid-encoding: client-final-message does not start with base64 channel binding (c=)");
            return false;
        }

        if (!attributes[1].StartsWith("r=", StringComparison.Ordinal) || !IsPrintable(attributes[1].AsSpan(2)))
        {
            failure = ScramFailure.Malformed("invalid-encoding: the channel binding is not followed by a printable nonce (r=)");
            return false;
        }

        string last = attributes[^1];
        if (!last.StartsWith("p=", StringComparison.Ordinal) || !TryDecodeBase64(last.AsSpan(2), out byte[]? proof) || proof.Length != proofLength)
        {
            failure = ScramFailure.Malformed("invalid-encoding: client-final-message does not end with a base64 proof (p=) of the hash's size");
            return false;
        }

        if (!CheckExtensions(attributes.AsSpan(2, attributes.Length - 3), out failure))
        {
            return false;
        }

        parsed = new ClientFinalMessage(channelBinding, attributes[1][2..], proof, message[..message.LastIndexOf(',')]);
        return true;
    }

    /// <summary>Whether the text is a nonce or GS2 value: non-empty printable ASCII without commas (RFC 5802 §7 <c>printable</c>).</summary>
    public static bool IsPrintable(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is < '\x21' or > '\x7E' or ',')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// saslname = 1*(value-safe-char / "=2C" / "=3D"): unescapes it and refuses any other <c>=</c> (RFC 5802 §5.1, "MUST
    /// fail"), and any control character: the part of SASLprep (RFC 4013 §2.3, prohibited output) that is enforced here.
    /// </summary>
    private static bool TryDecodeSaslName(ReadOnlySpan<char> value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name, out ScramFailure failure)
    {
        name = null;
        if (value.IsEmpty)
        {
            failure = ScramFailure.Malformed("invalid-username-encoding: empty name");
            return false;
        }

        var builder = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '=')
            {
                var escape = value[(i + 1)..];
                if (escape.StartsWith("2C"))
                {
                    builder.Append(',');
                }
                else if (escape.StartsWith("3D"))
                {
                    builder.Append('=');
                }
                else
                {
                    failure = ScramFailure.Malformed("invalid-username-encoding: '=' not followed by 2C or 3D");
                    return false;
                }

                i += 2;
                continue;
            }

            builder.Append(c);
        }

        name = builder.ToString();
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                name = null;
                failure = ScramFailure.Malformed("invalid-username-encoding: control character in the name");
                return false;
            }
        }

        failure = default;
        return true;
    }

    private static bool CheckNotEmpty(string[] attributes, out ScramFailure failure)
    {
        foreach (string attribute in attributes)
        {
            if (attribute.Length < 3 || attribute[1] != '=')
            {
                failure = ScramFailure.Malformed("invalid-encoding: an attribute is not a letter, '=' and a value");
                return false;
            }
        }

        failure = default;
        return true;
    }

    /// <summary>extensions = attr-val *("," attr-val): unknown ones are ignored, <c>m</c> fails (§5.1), a known one here is out of order.</summary>
    private static bool CheckExtensions(ReadOnlySpan<string> extensions, out ScramFailure failure)
    {
        foreach (string extension in extensions)
        {
            char name = extension[0];
            if (name == 'm')
            {
                failure = ScramFailure.Unsupported("extensions-not-supported: a mandatory extension (m=) that this server does not understand");
                return false;
            }

            if (!char.IsAsciiLetter(name) || KnownAttributes.Contains(name, StringComparison.Ordinal) || extension.Contains('\0', StringComparison.Ordinal))
            {
                failure = ScramFailure.Malformed("invalid-encoding: attribute out of order or not a valid extension");
                return false;
            }
        }

        failure = default;
        return true;
    }

    /// <summary>Decodes base64 made of the base64 alphabet only: no whitespace, which <see cref="Convert"/> would skip.</summary>
    private static bool TryDecodeBase64(ReadOnlySpan<char> value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (value.IsEmpty || value.Length % 4 != 0 || value.ContainsAnyExcept(Base64Alphabet) || !Base64.IsValid(value, out int length))
        {
            return false;
        }

        bytes = new byte[length];
        return Convert.TryFromBase64Chars(value, bytes, out int written) && written == length;
    }
}
