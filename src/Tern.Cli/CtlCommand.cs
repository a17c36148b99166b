using System.CommandLine;
using System.Text.Json;
using Tern.Cli.Ctl;

namespace Tern.Cli;

/// <summary>
/// <c>tern ctl</c>: reads and acts on a running broker through its admin API (clients, sessions, subscriptions,
/// retained messages, kick a client, reload). Tables by default, the API's JSON with <c>--json</c>.
/// </summary>
internal static class CtlCommand
{
    private const string DefaultUrl = "http://127.0.0.1:18083";

    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = $"The broker's HTTP listener (default {DefaultUrl}, or TERN_URL).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TERN_URL") ?? DefaultUrl,
            Recursive = true,
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "The admin API key (default: the TERN_API_KEY environment variable, which keeps it out of the process list).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TERN_API_KEY"),
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table.", Recursive = true };
        var id = new Argument<string>("client-id") { Description = "The MQTT client identifier." };
        var filter = new Option<string?>("--filter") { Description = "Only retained messages whose topic matches this filter (default #)." };

        var command = new Command("ctl", "Inspect and manage a running broker through its admin API.") { url, apiKey, json };
        Add(command, "clients", "List connected clients.", [], (c, _) => Get(c, "clients", t => Table.Format(t, ("CLIENT ID", "clientId"), ("ADDRESS", "address"), ("MQTT", "protocolVersion"), ("CONNECTED SINCE", "connectedSince"), ("KEEP ALIVE", "keepAlive"), ("QUEUED", "queued"), ("IN FLIGHT", "inflight"), ("LISTENER", "listener"))));
        Add(command, "client", "Show one connected client.", [id], (c, r) => Get(c, "clients/" + Uri.EscapeDataString(r.GetValue(id)!), Table.FormatObject));
        Add(command, "kick", "Disconnect a client (MQTT 5.0: DISCONNECT 0x98 Administrative action); its will is published.", [id], (c, r) => Act(c, HttpMethod.Delete, "clients/" + Uri.EscapeDataString(r.GetValue(id)!), $"disconnected {r.GetValue(id)}"));
        Add(command, "sessions", "List stored sessions, connected or not.", [], (c, _) => Get(c, "sessions", t => Table.Format(t, ("CLIENT ID", "clientId"), ("CONNECTED", "connected"), ("EXPIRY", "expiryInterval"), ("QUEUED", "queued"), ("IN FLIGHT", "inflight"), ("SUBSCRIPTIONS", "subscriptions"))));
        Add(command, "subscriptions", "List every subscription.", [], (c, _) => Get(c, "subscriptions", t => Table.Format(t, ("CLIENT ID", "clientId"), ("FILTER", "filter"), ("QOS", "qos"))));
        Add(command, "retained", "List retained messages.", [filter], (c, r) => Get(c, "retained" + (r.GetValue(filter) is { } f ? "?filter=" + Uri.EscapeDataString(f) : string.Empty), t => Table.Format(t, ("TOPIC", "topic"), ("QOS", "qos"), ("SIZE", "payloadSize"), ("PAYLOAD", "payload"))));
        Add(command, "reload", "Reload the password file, ACL, limits and TLS certificates (all or nothing).", [], Reload);
        return command;

        void Add(Command parent, string name, string description, Symbol[] symbols, Func<Context, ParseResult, Task<int>> run)
        {
            var sub = new Command(name, description);
            foreach (var symbol in symbols)
            {
                switch (symbol)
                {
                    case Argument argument:
                        sub.Arguments.Add(argument);
                        break;
                    case Option option:
                        sub.Options.Add(option);
                        break;
                }
            }

            sub.SetAction((result, cancellationToken) => RunAsync(new Context(result.GetValue(url)!, result.GetValue(apiKey), result.GetValue(json), cancellationToken), result, run));
            parent.Subcommands.Add(sub);
        }
    }

    private static async Task<int> RunAsync(Context context, ParseResult result, Func<Context, ParseResult, Task<int>> run)
    {
        if (!Uri.TryCreate(context.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            await Console.Error.WriteLineAsync($"tern ctl: --url '{context.Url}' is not an http:// or https:// URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            context.Client = new AdminApiClient(uri, context.ApiKey);
            return await run(context, result).ConfigureAwait(false);
        }
        catch (CtlException ex)
        {
            await Console.Error.WriteLineAsync($"tern ctl: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            context.Client?.Dispose();
        }
    }

    private static async Task<int> Get(Context context, string path, Func<JsonElement, string> format)
    {
        var body = await context.Client!.SendAsync(HttpMethod.Get, path, context.CancellationToken).ConfigureAwait(false);
        if (body is not { } value)
        {
            throw new CtlException("the broker answered with an empty body");
        }

        await Console.Out.WriteAsync(context.Json ? value.GetRawText() + Environment.NewLine : format(value)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Act(Context context, HttpMethod method, string path, string done)
    {
        await context.Client!.SendAsync(method, path, context.CancellationToken).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(context.Json ? "{}" : done).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> Reload(Context context, ParseResult result)
    {
        var body = await context.Client!.SendAsync(HttpMethod.Post, "reload", context.CancellationToken).ConfigureAwait(false)
            ?? throw new CtlException("the broker answered with an empty body");
        bool succeeded = body.GetProperty("succeeded").GetBoolean();
        if (context.Json)
        {
            await Console.Out.WriteLineAsync(body.GetRawText()).ConfigureAwait(false);
        }
        else if (succeeded)
        {
            var parts = body.GetProperty("reloaded").EnumerateArray().Select(p => p.GetString()).ToList();
            await Console.Out.WriteLineAsync("reloaded: " + (parts.Count == 0 ? "nothing to reload" : string.Join(", ", parts))).ConfigureAwait(false);
        }
        else
        {
            foreach (var problem in body.GetProperty("problems").EnumerateArray())
            {
                await Console.Error.WriteLineAsync($"tern ctl: reload rejected: {problem.GetString()}").ConfigureAwait(false);
            }
        }

        return succeeded ? ExitCodes.Success : ExitCodes.Failure;
    }

    private sealed record Context(string Url, string? ApiKey, bool Json, CancellationToken CancellationToken)
    {
        public AdminApiClient? Client { get; set; }
    }
}
