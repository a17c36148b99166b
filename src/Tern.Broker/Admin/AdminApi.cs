using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Admin;

/// <summary>
/// The admin API under <c>/api/v1</c> (described in docs/openapi.yaml): JSON in and out, every request authenticated
/// by <see cref="AdminAuthenticator"/>, every error one sentence in <c>{"error": "..."}</c>.
/// </summary>
internal static partial class AdminApi
{
    /// <summary>The prefix of every admin endpoint.</summary>
    public const string Prefix = "/api/v1";

    private const string OffMessage = "the admin API is off: set Http.ApiKey or Http.AdminUsers (see docs/operations.md)";

    public static void Map(IEndpointRouteBuilder app, BrokerOptions options)
    {
        var api = app.MapGroup(Prefix);
        api.MapGet("/clients", Guard(options, ListClients));
        api.MapGet("/clients/{**id}", Guard(options, GetClient));
        api.MapDelete("/clients/{**id}", Guard(options, DisconnectClient));
        api.MapGet("/sessions", Guard(options, ListSessions));
        api.MapDelete("/sessions/{**id}", Guard(options, DeleteSession));
        api.MapGet("/subscriptions", Guard(options, ListSubscriptions));
        api.MapGet("/retained", Guard(options, ListRetained));
        api.MapDelete("/retained/{**topic}", Guard(options, DeleteRetained));
        api.MapPost("/publish", Guard(options, PublishAsync));
        api.MapPost("/reload", Guard(options, Reload));
        api.Map("/{**rest}", Guard(options, (context, _) => Error(context, StatusCodes.Status404NotFound, $"no such endpoint: {context.Request.Method} {context.Request.Path}")));
    }

    /// <summary>Authenticates, then runs <paramref name="handler"/> with the principal's name for the log.</summary>
    private static RequestDelegate Guard(BrokerOptions options, Func<HttpContext, string, Task> handler) => context =>
    {
        if (!options.Http.AdminApiEnabled)
        {
            return Error(context, StatusCodes.Status404NotFound, OffMessage);
        }

        var authenticator = context.RequestServices.GetRequiredService<AdminAuthenticator>();
        if (authenticator.Authenticate(context.Request, out string failure) is not { } principal)
        {
            BrokerLog.AdminUnauthorized(Engine(context).Logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", failure);
            context.Response.Headers.WWWAuthenticate = options.Http.AdminUsers.Count > 0 ? "Bearer, Basic realm=\"tern\"" : "Bearer";
            return Error(context, StatusCodes.Status401Unauthorized, "unauthorized: send Authorization: Bearer KEY or X-API-Key: KEY");
        }

        return handler(context, principal);
    };

    private static BrokerEngine Engine(HttpContext context) => context.RequestServices.GetRequiredService<BrokerEngine>();

    private static Task Error(HttpContext context, int status, string message) => Json(context, new ErrorResponse(message), AdminJsonContext.Readable.ErrorResponse, status);

    private static Task Json<T>(HttpContext context, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, type, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }

    private static Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    /// <summary>A route value that may hold an encoded '/' (<c>%2F</c> stays encoded in the path), decoded.</summary>
    private static string RouteText(HttpContext context, string name) =>
        Uri.UnescapeDataString(context.Request.RouteValues[name] as string ?? string.Empty);

    private static async Task<T?> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await Error(context, StatusCodes.Status400BadRequest, "the body is not valid JSON: " + ex.Message).ConfigureAwait(false);
            return null;
        }
    }
}
