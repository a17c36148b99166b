using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Admin;

internal static partial class AdminApi
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static Task ListClients(HttpContext context, string principal)
    {
        var clients = Engine(context).GetChannels()
            .Select(c => c.Snapshot())
            .OfType<ClientSnapshot>()
            .OrderBy(c => c.ClientId, StringComparer.Ordinal)
            .Select(ToInfo)
            .ToList();
        return Json(context, clients, AdminJsonContext.Readable.ListClientInfo);
    }

    private static Task GetClient(HttpContext context, string principal)
    {
        string id = RouteText(context, "id");
        return Engine(context).FindConnectedChannel(id)?.Snapshot() is { } snapshot
            ? Json(context, ToInfo(snapshot), AdminJsonContext.Readable.ClientInfo)
            : Error(context, StatusCodes.Status404NotFound, $"no client '{id}' is connected");
    }

    private static Task DisconnectClient(HttpContext context, string principal)
    {
        string id = RouteText(context, "id");
        var engine = Engine(context);
        if (engine.FindConnectedChannel(id) is not { } channel || !channel.CloseAdministratively())
        {
            return Error(context, StatusCodes.Status404NotFound, $"no client '{id}' is connected");
        }

        BrokerLog.AdminDisconnected(engine.Logger, principal, id);
        return NoContent(context);
    }

    private static Task ListSessions(HttpContext context, string principal)
    {
        var sessions = Engine(context).Sessions.GetAll()
            .Select(s => new SessionInfo(s.ClientId, s.Connection is not null, s.ExpiryInterval, s.QueuedCount, s.InflightCount, s.GetSubscriptions().Length))
            .OrderBy(s => s.ClientId, StringComparer.Ordinal)
            .ToList();
        return Json(context, sessions, AdminJsonContext.Readable.ListSessionInfo);
    }

    private static Task DeleteSession(HttpContext context, string principal)
    {
        string id = RouteText(context, "id");
        var engine = Engine(context);

        // Disconnect first, so the client learns why (5.0: 0x98), then end the session: it does not come back.
        engine.FindConnectedChannel(id)?.CloseAdministratively();
        if (!engine.Sessions.Remove(id))
        {
            return Error(context, StatusCodes.Status404NotFound, $"no session of client '{id}'");
        }

        BrokerLog.AdminSessionDeleted(engine.Logger, principal, id);
        return NoContent(context);
    }

    private static Task ListSubscriptions(HttpContext context, string principal)
    {
        var subscriptions = Engine(context).Sessions.GetAll()
            .SelectMany(s => s.GetSubscriptions().Select(pair => new SubscriptionInfo(
                s.ClientId,
                pair.Key,
                (int)pair.Value.QoS,
                pair.Value.Options.NoLocal,
                pair.Value.Options.RetainAsPublished,
                (int)pair.Value.Options.RetainHandling,
                pair.Value.Options.SubscriptionIdentifier == 0 ? null : pair.Value.Options.SubscriptionIdentifier)))
            .OrderBy(s => s.ClientId, StringComparer.Ordinal)
            .ThenBy(s => s.Filter, StringComparer.Ordinal)
            .ToList();
        return Json(context, subscriptions, AdminJsonContext.Readable.ListSubscriptionInfo);
    }

    private static Task ListRetained(HttpContext context, string principal)
    {
        string filter = context.Request.Query["filter"].FirstOrDefault() ?? "#";
        if (filter.Length == 0)
        {
            return Error(context, StatusCodes.Status400BadRequest, "filter must not be empty");
        }

        var matches = new List<BrokerMessage>();
        Engine(context).Retained.Match(Encoding.UTF8.GetBytes(filter), matches);
        var retained = matches
            .Select(m => Describe(m))
            .OrderBy(r => r.Topic, StringComparer.Ordinal)
            .ToList();
        return Json(context, retained, AdminJsonContext.Readable.ListRetainedInfo);
    }

    private static Task DeleteRetained(HttpContext context, string principal)
    {
        string topic = RouteText(context, "topic");
        var engine = Engine(context);
        if (!engine.Retained.Remove(Encoding.UTF8.GetBytes(topic)))
        {
            return Error(context, StatusCodes.Status404NotFound, $"no retained message on '{topic}'");
        }

        BrokerLog.AdminRetainedDeleted(engine.Logger, principal, topic);
        return NoContent(context);
    }

    private static async Task PublishAsync(HttpContext context, string principal)
    {
        if (await ReadJsonAsync(context, AdminJsonContext.Readable.PublishRequest).ConfigureAwait(false) is not { } request)
        {
            if (!context.Response.HasStarted)
            {
                await Error(context, StatusCodes.Status400BadRequest, "the body must be a JSON object").ConfigureAwait(false);
            }

            return;
        }

        var engine = Engine(context);
        if (CheckPublish(request, engine.Options, out byte[] payload) is { } problem)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
            return;
        }

        var message = BrokerMessage.Create(Encoding.UTF8.GetBytes(request.Topic!), default, payload, (QualityOfService)request.Qos, request.Retain, publisherClientId: null, engine.TimeProvider);
        int deliveries = engine.Router.Route(message, publisher: null);
        BrokerLog.AdminPublished(engine.Logger, principal, request.Topic!, request.Qos, request.Retain, deliveries);
        await Json(context, new PublishResponse(request.Topic!, deliveries), AdminJsonContext.Readable.PublishResponse).ConfigureAwait(false);
    }

    private static Task Reload(HttpContext context, string principal)
    {
        BrokerLog.ReloadRequested(Engine(context).Logger, "the admin API (" + principal + ")");
        var result = context.RequestServices.GetRequiredService<BrokerReloader>().Reload();
        return Json(
            context,
            new ReloadResponse(result.Succeeded, result.Reloaded, result.Problems),
            AdminJsonContext.Readable.ReloadResponse,
            result.Succeeded ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }

    /// <summary>The rules a client's PUBLISH is held to: a topic name without wildcards ([MQTT-3.3.2-2]) or U+0000, a QoS the broker grants, a payload within MaxPacketSize.</summary>
    private static string? CheckPublish(PublishRequest request, BrokerOptions options, out byte[] payload)
    {
        payload = [];
        if (string.IsNullOrEmpty(request.Topic))
        {
            return "topic is required";
        }

        if (request.Topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
        {
            return $"topic '{request.Topic}' must not contain '+', '#' or U+0000 (a topic name, not a filter)";
        }

        if (Encoding.UTF8.GetByteCount(request.Topic) > ushort.MaxValue)
        {
            return "topic is longer than 65535 bytes";
        }

        if (request.Qos < 0 || request.Qos > options.MaximumQoS)
        {
            return $"qos must be between 0 and {options.MaximumQoS}";
        }

        if (request.Payload is not null && request.PayloadBase64 is not null)
        {
            return "give payload or payloadBase64, not both";
        }

        try
        {
            payload = request.PayloadBase64 is { } base64 ? Convert.FromBase64String(base64) : Encoding.UTF8.GetBytes(request.Payload ?? string.Empty);
        }
        catch (FormatException)
        {
            return "payloadBase64 is not base64";
        }

        return payload.Length > options.MaxPacketSize ? $"the payload is larger than MaxPacketSize ({options.MaxPacketSize} bytes)" : null;
    }

    private static ClientInfo ToInfo(ClientSnapshot c) =>
        new(c.ClientId, c.Address, Version(c.ProtocolVersion), c.ConnectedSince, c.KeepAlive, c.Queued, c.Inflight, c.Listener, c.SessionExpiryInterval);

    private static string Version(ProtocolVersion version) => version switch
    {
        ProtocolVersion.V310 => "3.1",
        ProtocolVersion.V311 => "3.1.1",
        ProtocolVersion.V500 => "5.0",
        _ => "unknown",
    };

    private static RetainedInfo Describe(BrokerMessage message)
    {
        string topic = Encoding.UTF8.GetString(message.Topic);
        try
        {
            return new RetainedInfo(topic, (int)message.QoS, message.PayloadLength, StrictUtf8.GetString(message.Payload), null);
        }
        catch (DecoderFallbackException)
        {
            return new RetainedInfo(topic, (int)message.QoS, message.PayloadLength, null, Convert.ToBase64String(message.Payload));
        }
    }
}
