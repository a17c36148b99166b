using System.Globalization;

namespace Tern.Broker.Limits;

/// <summary>
/// How many connections the process's file limit (<c>ulimit -n</c>) leaves room for, keeping a reserve of descriptors
/// free for everything else the process opens: the runtime's threads and files, the SQLite database and its WAL, log
/// files, HTTP and admin connections, certificate reloads.
/// </summary>
/// <remarks>
/// Why a reserve: a .NET process that reaches its file limit can die. Under connection churn at the limit the runtime
/// itself failed to create a thread (its <c>pipe2</c> got EMFILE) and aborted with "Out of memory." (SIGABRT, seen with
/// <c>prlimit --nofile=200</c> in about one run of two). Accepting, logging and backing off (event 3010) is not enough
/// when the descriptor the runtime needs next is taken by the connection just accepted. So the broker stops admitting
/// connections while a reserve of descriptors is still free, as it does at <see cref="BrokerOptions.MaxConnections"/>:
/// the connection is accepted (one descriptor of the reserve, for a moment) and closed at once.
/// Linux only (<c>/proc/self/limits</c> and <c>/proc/self/fd</c>); elsewhere no budget is computed.
/// </remarks>
internal static class FileDescriptorBudget
{
    /// <summary>
    /// The connections the file limit leaves room for: soft limit − descriptors open now − reserve, or null when the
    /// limit is unlimited or unknown (not Linux). A reserve of null means the default: 64, or 1 % of the limit if that
    /// is more.
    /// </summary>
    public static Budget? Compute(int? reserve)
    {
        if (!OperatingSystem.IsLinux() || ReadSoftLimit() is not { } limit)
        {
            return null;
        }

        int open = CountOpen();
        long kept = reserve ?? DefaultReserve(limit);
        return new Budget(limit, open, kept, (int)Math.Clamp(limit - open - kept, 0, int.MaxValue));
    }

    /// <summary>What <see cref="Compute"/> found.</summary>
    /// <param name="Limit">The soft file limit.</param>
    /// <param name="OpenAtStart">Descriptors open when it was computed (runtime, loaded assemblies, listeners).</param>
    /// <param name="Reserve">Descriptors kept free.</param>
    /// <param name="Connections">The connections left room for.</param>
    public readonly record struct Budget(long Limit, int OpenAtStart, long Reserve, int Connections);

    /// <summary>The default reserve for a soft limit of <paramref name="limit"/> descriptors.</summary>
    public static long DefaultReserve(long limit) => Math.Max(64, limit / 100);

    /// <summary>The soft "Max open files" of this process, or null when unlimited or unreadable.</summary>
    public static long? ReadSoftLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    return ParseSoftLimit(line);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Parses a <c>/proc/self/limits</c> line such as <c>Max open files  1024  4096  files</c>.</summary>
    public static long? ParseSoftLimit(string line)
    {
        string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
    }

    private static int CountOpen()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
