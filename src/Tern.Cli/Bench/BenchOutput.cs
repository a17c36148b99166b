using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Tern.Cli.Bench;

/// <summary>Writes a <see cref="BenchResult"/>: one JSON object on one line, a table on a terminal, plain lines otherwise.</summary>
internal static class BenchOutput
{
    /// <summary>The result as one line of JSON (snake_case keys, numbers rounded to what is meaningful).</summary>
    public static string ToJson(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("scenario", r.Scenario);
            w.WriteString("broker", r.Broker);
            w.WriteString("protocol", r.Protocol);
            if (r.Connections is { } c)
            {
                w.WriteNumber("connections", c.Requested);
                w.WriteNumber("connected", c.Connected);
                w.WriteNumber("failed", c.Failed);
                w.WriteNumber("still_open", c.StillOpen);
                w.WriteNumber("connect_seconds", Math.Round(c.Seconds, 3));
                w.WriteNumber("connect_per_s", Math.Round(c.PerSecond, 1));
                if (c.FirstError is not null)
                {
                    w.WriteString("first_error", c.FirstError);
                }
            }
            else
            {
                w.WriteNumber("qos", r.QoS);
                w.WriteNumber("size", r.Size);
                w.WriteNumber("publishers", r.Publishers);
                w.WriteNumber("subscribers", r.Subscribers);
                w.WriteNumber("rate", r.Rate);
                w.WriteNumber("inflight", r.Inflight);
                w.WriteNumber("warmup_s", Math.Round(r.WarmupSeconds, 3));
                w.WriteNumber("measured_s", Math.Round(r.MeasuredSeconds, 3));
                w.WriteNumber("published", r.Published);
                w.WriteNumber("acknowledged", r.Acknowledged);
                w.WriteNumber("delivered", r.Delivered);
                w.WriteNumber("expected", r.Expected);
                w.WriteBoolean("complete", r.Complete);
                w.WriteNumber("published_per_s", Math.Round(r.PublishedPerSecond, 1));
                w.WriteNumber("acknowledged_per_s", Math.Round(r.AcknowledgedPerSecond, 1));
                w.WriteNumber("delivered_per_s", Math.Round(r.DeliveredPerSecond, 1));
                if (r.Latency is { } l)
                {
                    w.WriteStartObject("latency_us");
                    w.WriteNumber("samples", l.Samples);
                    w.WriteNumber("p50", Math.Round(l.P50, 1));
                    w.WriteNumber("p90", Math.Round(l.P90, 1));
                    w.WriteNumber("p99", Math.Round(l.P99, 1));
                    w.WriteNumber("p999", Math.Round(l.P999, 1));
                    w.WriteNumber("max", Math.Round(l.Max, 1));
                    w.WriteEndObject();
                }
            }

            w.WriteNumber("generator_cpu_s", Math.Round(r.GeneratorCpuSeconds, 3));
            w.WriteNumber("generator_elapsed_s", Math.Round(r.GeneratorElapsedSeconds, 3));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The result for a person: label / value pairs.</summary>
    public static IReadOnlyList<(string Label, string Value)> ToRows(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var rows = new List<(string, string)>
        {
            ("scenario", r.Scenario),
            ("broker", $"{r.Broker} (MQTT {r.Protocol})"),
        };
        if (r.Connections is { } c)
        {
            rows.Add(("connected", $"{N(c.Connected)} of {N(c.Requested)} ({N(c.Failed)} failed, {N(c.StillOpen)} still open)"));
            rows.Add(("connect rate", $"{N(c.PerSecond)} /s over {c.Seconds.ToString("0.00", CultureInfo.InvariantCulture)} s"));
            if (c.FirstError is not null)
            {
                rows.Add(("first error", c.FirstError));
            }
        }
        else
        {
            rows.Add(("load", string.Create(CultureInfo.InvariantCulture,
                $"QoS {r.QoS}, {N(r.Size)} B, {r.Publishers} publisher(s) → {r.Subscribers} subscriber(s){(r.Rate > 0 ? $", {N(r.Rate)} msg/s" : string.Empty)}")));
            rows.Add(("measured", string.Create(CultureInfo.InvariantCulture, $"{r.MeasuredSeconds:0.00} s after {r.WarmupSeconds:0.0} s warm-up")));
            rows.Add(("published", $"{N(r.PublishedPerSecond)} /s ({N(r.Published)} in all)"));
            if (r.QoS > 0)
            {
                rows.Add(("acknowledged", $"{N(r.AcknowledgedPerSecond)} /s ({N(r.Acknowledged)} in all)"));
            }

            rows.Add(("delivered", $"{N(r.DeliveredPerSecond)} /s ({N(r.Delivered)} of {N(r.Expected)} expected)"));
            if (r.Latency is { } l)
            {
                rows.Add(("latency", string.Create(CultureInfo.InvariantCulture,
                    $"p50 {l.P50:0} µs, p90 {l.P90:0} µs, p99 {l.P99:0} µs, p99.9 {l.P999:0} µs, max {l.Max:0} µs ({N(l.Samples)} samples)")));
            }
        }

        rows.Add(("generator CPU", string.Create(CultureInfo.InvariantCulture, $"{r.GeneratorCpuSeconds:0.00} s in {r.GeneratorElapsedSeconds:0.00} s")));
        return rows;
    }

    /// <summary>Prints the result to standard output in the form the run asked for.</summary>
    public static void Write(BenchResult result, bool json, bool terminal)
    {
        if (json)
        {
            Console.Out.WriteLine(ToJson(result));
            Console.Out.Flush();
            return;
        }

        var rows = ToRows(result);
        if (terminal)
        {
            var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("value");
            foreach (var (label, value) in rows)
            {
                table.AddRow(new Markup($"[bold]{Markup.Escape(label)}[/]"), new Text(value));
            }

            AnsiConsole.Write(table);
            return;
        }

        foreach (var (label, value) in rows)
        {
            Console.Out.WriteLine($"{label,-14} {value}");
        }

        Console.Out.Flush();
    }

    private static string N(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
