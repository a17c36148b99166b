using System.Text;

namespace Tern.Broker.Security;

/// <summary>Reads a password or ACL file as strict UTF-8 and splits it into lines (LF or CRLF).</summary>
internal static class SecurityFileReader
{
    // Either file is a handful of lines per user; 64 MiB is far beyond any real one and keeps a wrong path
    // (a disk image, /dev/zero) from exhausting memory.
    private const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the file as text (a byte order mark, if any, stays; <see cref="Lines"/> skips it).</summary>
    /// <exception cref="SecurityConfigurationException">It cannot be read, is too large or is not UTF-8.</exception>
    public static string ReadText(string path, string kind)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxFileBytes)
            {
                throw new SecurityConfigurationException($"cannot read {kind} {path}: larger than 64 MiB");
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new SecurityConfigurationException($"cannot read {kind} {path}: {ex.Message}", ex);
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SecurityConfigurationException($"cannot read {kind} {path}: not valid UTF-8", ex);
        }
    }

    /// <summary>
    /// The lines of a file with their 1-based numbers, without the line ending: LF ends a line, and a CR right before
    /// it belongs to the ending. A final line without LF counts; the empty piece after a final LF does not. A leading
    /// byte order mark is not part of the first line.
    /// </summary>
    public static IEnumerable<(int Number, string Text)> Lines(string text)
    {
        int number = 0;
        int start = text.StartsWith('\uFEFF') ? 1 : 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            int next = end < 0 ? text.Length : end + 1;
            int stop = end < 0 ? text.Length : end;
            if (end >= 0 && stop > start && text[stop - 1] == '\r')
            {
                stop--;
            }

            number++;
            yield return (number, text[start..stop]);
            start = next;
        }
    }

    /// <summary>True for a space or a tab, the only whitespace the file formats know.</summary>
    public static bool IsBlank(char c) => c is ' ' or '\t';
}
