using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Tern.Cli.Bench;

/// <summary>Counters at one instant, for the progress display and the rates.</summary>
/// <param name="Timestamp">Stopwatch timestamp.</param>
/// <param name="Published">PUBLISH packets sent so far.</param>
/// <param name="Acknowledged">PUBACK / PUBCOMP received so far.</param>
/// <param name="Delivered">PUBLISH packets received by subscribers so far.</param>
internal readonly record struct CounterSnapshot(long Timestamp, long Published, long Acknowledged, long Delivered)
{
    /// <summary>Seconds from <paramref name="earlier"/> to this snapshot.</summary>
    public double SecondsSince(in CounterSnapshot earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;
}

/// <summary>Where a run reports its phase and counters while it runs.</summary>
internal interface IBenchProgress
{
    /// <summary>A new phase: "connecting", "warm-up", "measuring", "draining".</summary>
    void Phase(string phase);

    /// <summary>The counters now; called about ten times a second.</summary>
    void Update(in CounterSnapshot now);

    /// <summary>Connections opened so far (connections scenario).</summary>
    void Connections(int connected, int failed, int requested);
}

/// <summary>No progress at all: <c>--json</c> output is for programs.</summary>
internal sealed class SilentProgress : IBenchProgress
{
    public static SilentProgress Instance { get; } = new();

    public void Phase(string phase)
    {
    }

    public void Update(in CounterSnapshot now)
    {
    }

    public void Connections(int connected, int failed, int requested)
    {
    }
}

/// <summary>
/// Progress as plain lines on standard output, at most one a second: for logs and pipes, where a live display would
/// be a mess of escape codes.
/// </summary>
internal sealed class LineProgress : IBenchProgress
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private string _phase = "starting";
    private CounterSnapshot _last;
    private long _lastLine;

    public void Phase(string phase)
    {
        _phase = phase;
        Console.Out.WriteLine($"[{Elapsed(),6:0.0} s] {phase}");
    }

    public void Update(in CounterSnapshot now)
    {
        if (_last.Timestamp == 0)
        {
            _last = now;
            _lastLine = now.Timestamp;
            return;
        }

        if (Stopwatch.GetElapsedTime(_lastLine, now.Timestamp) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        double seconds = now.SecondsSince(_last);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{Elapsed(),6:0.0} s] {_phase,-9} published {(now.Published - _last.Published) / seconds,12:#,0}/s  acknowledged {(now.Acknowledged - _last.Acknowledged) / seconds,12:#,0}/s  delivered {(now.Delivered - _last.Delivered) / seconds,12:#,0}/s"));
        _last = now;
        _lastLine = now.Timestamp;
    }

    public void Connections(int connected, int failed, int requested)
    {
        if (Stopwatch.GetElapsedTime(_lastLine) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastLine = Stopwatch.GetTimestamp();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Elapsed(),6:0.0} s] connected {connected:#,0} of {requested:#,0} ({failed:#,0} failed)"));
    }

    private double Elapsed() => Stopwatch.GetElapsedTime(_start).TotalSeconds;
}

/// <summary>A live table (Spectre.Console) redrawn in place, for a person at a terminal.</summary>
internal sealed class LiveProgress : IBenchProgress
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly Table _table;
    private LiveDisplayContext? _context;
    private string _phase = "starting";
    private CounterSnapshot _last;

    public LiveProgress(string title)
    {
        _table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title))
            .AddColumn("phase").AddColumn("elapsed").AddColumn(new TableColumn("published/s").RightAligned())
            .AddColumn(new TableColumn("acknowledged/s").RightAligned()).AddColumn(new TableColumn("delivered/s").RightAligned())
            .AddColumn(new TableColumn("delivered").RightAligned());
        _table.AddRow("starting", "0.0 s", string.Empty, string.Empty, string.Empty, string.Empty);
    }

    /// <summary>Runs <paramref name="body"/> with the table shown live; the last state stays on screen.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        await AnsiConsole.Live(_table).AutoClear(false).StartAsync(async context =>
        {
            _context = context;
            result = await body().ConfigureAwait(false);
            context.Refresh();
        }).ConfigureAwait(false);
        return result;
    }

    public void Phase(string phase)
    {
        _phase = phase;
        _table.UpdateCell(0, 0, phase);
        _context?.Refresh();
    }

    public void Update(in CounterSnapshot now)
    {
        if (_last.Timestamp != 0 && now.SecondsSince(_last) >= 0.25)
        {
            double seconds = now.SecondsSince(_last);
            _table.UpdateCell(0, 0, _phase);
            _table.UpdateCell(0, 1, Elapsed());
            _table.UpdateCell(0, 2, Rate(now.Published - _last.Published, seconds));
            _table.UpdateCell(0, 3, Rate(now.Acknowledged - _last.Acknowledged, seconds));
            _table.UpdateCell(0, 4, Rate(now.Delivered - _last.Delivered, seconds));
            _table.UpdateCell(0, 5, now.Delivered.ToString("#,0", CultureInfo.InvariantCulture));
            _context?.Refresh();
            _last = now;
        }
        else if (_last.Timestamp == 0)
        {
            _last = now;
        }
    }

    public void Connections(int connected, int failed, int requested)
    {
        _table.UpdateCell(0, 0, "connecting");
        _table.UpdateCell(0, 1, Elapsed());
        _table.UpdateCell(0, 5, string.Create(CultureInfo.InvariantCulture, $"{connected:#,0}/{requested:#,0} ({failed:#,0} failed)"));
        _context?.Refresh();
    }

    private static string Rate(long count, double seconds) => (count / seconds).ToString("#,0", CultureInfo.InvariantCulture);

    private string Elapsed() => string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetElapsedTime(_start).TotalSeconds:0.0} s");
}
