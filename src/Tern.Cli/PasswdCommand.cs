using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Tern.Broker;

namespace Tern.Cli;

/// <summary>
/// <c>tern passwd</c>: adds, changes and deletes users of a password file (docs/security.md).
/// <c>tern passwd [-c] FILE USER</c> asks for the password twice; <c>tern passwd -b FILE USER PASS</c> takes it from
/// the command line; <c>tern passwd -D FILE USER</c> deletes the user. <c>-c</c> creates or overwrites the file.
/// </summary>
/// <remarks>
/// The file is replaced atomically: the new content goes to a temporary file in the same directory, created with mode
/// 0600, flushed to disk, then renamed over the old one, so a crash leaves the old file or the new one, never half of
/// either. The password is never printed or logged. Exit codes: 0 done, 1 the file could not be read or written (or
/// is malformed, or the user to delete is absent), 2 bad usage or input.
/// </remarks>
internal static class PasswdCommand
{
    private const string Name = "tern passwd";

    public static Command Create()
    {
        var create = new Option<bool>("--create", "-c") { Description = "Create the file, or overwrite it if it exists, with this one user." };
        var batch = new Option<bool>("--batch", "-b") { Description = "Take the password from the command line (it may then be seen in the process list and shell history)." };
        var delete = new Option<bool>("--delete", "-D") { Description = "Delete the user from the file." };
        var file = new Argument<string>("FILE") { Description = "The password file." };
        var user = new Argument<string>("USER") { Description = "The user name (no ':', no control characters)." };
        var password = new Argument<string?>("PASS") { Description = "The password, with -b only.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("passwd", "Add, change or delete a user of a password file.") { create, batch, delete, file, user, password };
        command.SetAction((result, cancellationToken) => Task.FromResult(Run(
            result.GetValue(file)!, result.GetValue(user)!, result.GetValue(password), result.GetValue(create), result.GetValue(batch), result.GetValue(delete))));
        return command;
    }

    private static int Run(string file, string user, string? password, bool create, bool batch, bool delete)
    {
        if (file.StartsWith('-'))
        {
            // An option this command does not know lands here as the file name; write ./-name for such a file.
            return Usage($"unknown option '{file}'");
        }

        if (delete && (create || batch))
        {
            return Usage("-D cannot be combined with -c or -b");
        }

        if (batch != (password is not null))
        {
            return Usage(batch ? "-b needs the password after the user name" : "a password on the command line needs -b");
        }

        if (PasswordFile.CheckUserName(user) is { } userProblem)
        {
            return Usage(userProblem);
        }

        List<string> lines;
        if (create)
        {
            lines = [];
        }
        else
        {
            var existing = ReadExisting(file);
            if (existing is null)
            {
                return ExitCodes.Failure;
            }

            lines = existing;
        }

        if (delete)
        {
            int removed = lines.RemoveAll(line => UserOf(line) == user);
            if (removed == 0)
            {
                return Fail($"user '{user}' is not in {file}");
            }

            return Write(file, lines);
        }

        byte[]? secret = batch ? Encoding.UTF8.GetBytes(password!) : AskPassword();
        if (secret is null)
        {
            return ExitCodes.Usage;
        }

        try
        {
            if (secret.Length == 0)
            {
                return Usage("empty passwords are not allowed");
            }

            string entry = PasswordFile.CreateEntry(user, secret);
            int index = lines.FindIndex(line => UserOf(line) == user);
            if (index >= 0)
            {
                lines[index] = entry;
            }
            else
            {
                lines.Add(entry);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        return Write(file, lines);
    }

    /// <summary>The lines of the existing file, after checking the whole file parses; null (reported) when it cannot be used.</summary>
    private static List<string>? ReadExisting(string file)
    {
        if (!File.Exists(file))
        {
            Fail($"{file} does not exist (use -c to create it)");
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
            PasswordFile.Parse(text, file);
        }
        catch (SecurityConfigurationException ex)
        {
            // A malformed file is not rewritten: fixing one line must not silently keep or drop the others.
            Fail(ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            Fail($"cannot read {file}: {ex.Message}");
            return null;
        }

        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    // The user of an entry line; null for comments and blank lines, which are kept as they are.
    private static string? UserOf(string line)
    {
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        int colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : line[..colon];
    }

    /// <summary>Reads the password twice: from the terminal without echo, or one line each from redirected standard input.</summary>
    private static byte[]? AskPassword()
    {
        string? first = Prompt("Password: ");
        if (first is null)
        {
            Usage("no password given on standard input");
            return null;
        }

        string? second = Prompt("Reenter password: ");
        if (second is null)
        {
            Usage("no password given on standard input");
            return null;
        }

        var firstBytes = Encoding.UTF8.GetBytes(first);
        var secondBytes = Encoding.UTF8.GetBytes(second);
        bool same = CryptographicOperations.FixedTimeEquals(firstBytes, secondBytes);
        CryptographicOperations.ZeroMemory(secondBytes);
        if (!same)
        {
            CryptographicOperations.ZeroMemory(firstBytes);
            Usage("the passwords do not match");
            return null;
        }

        return firstBytes;
    }

    private static string? Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        Console.Error.Flush();
        if (Console.IsInputRedirected)
        {
            string? line = Console.In.ReadLine();
            Console.Error.WriteLine();
            return line;
        }

        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }

                continue;
            }

            if (key.KeyChar == '\u0004' && typed.Length == 0)
            {
                // Ctrl+D on an empty line: end of input.
                Console.Error.WriteLine();
                return null;
            }

            if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return typed.ToString();
    }

    /// <summary>Replaces <paramref name="file"/> atomically with <paramref name="lines"/>: temporary file (0600) in the same directory, fsync, rename.</summary>
    private static int Write(string file, List<string> lines)
    {
        string full = Path.GetFullPath(file);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                var text = new StringBuilder();
                foreach (string line in lines)
                {
                    text.Append(line).Append('\n');
                }

                stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
            return ExitCodes.Success;
        }
        catch (DirectoryNotFoundException)
        {
            return Fail($"cannot write {file}: directory {directory} does not exist");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return Fail($"cannot write {file}: {ex.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the error about the write is the one to report.
        }
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"{Name}: {message}");
        return ExitCodes.Usage;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"{Name}: {message}");
        return ExitCodes.Failure;
    }
}
