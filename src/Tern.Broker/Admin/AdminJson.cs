using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tern.Broker.Admin;

/// <summary>A connected client, as <c>GET /api/v1/clients</c> lists it.</summary>
internal sealed record ClientInfo(
    string ClientId,
    string Address,
    string ProtocolVersion,
    DateTimeOffset ConnectedSince,
    int KeepAlive,
    int Queued,
    int Inflight,
    string Listener,
    uint SessionExpiryInterval);

/// <summary>A stored session, connected or not.</summary>
internal sealed record SessionInfo(string ClientId, bool Connected, uint ExpiryInterval, int Queued, int Inflight, int Subscriptions);

/// <summary>One subscription of one session.</summary>
internal sealed record SubscriptionInfo(string ClientId, string Filter, int Qos, bool NoLocal, bool RetainAsPublished, int RetainHandling, int? SubscriptionIdentifier);

/// <summary>One retained message: its payload as text when it is UTF-8, otherwise in base64.</summary>
internal sealed record RetainedInfo(string Topic, int Qos, int PayloadSize, string? Payload, string? PayloadBase64);

/// <summary>The body of <c>POST /api/v1/publish</c>.</summary>
internal sealed record PublishRequest(string? Topic, string? Payload, string? PayloadBase64, int Qos, bool Retain);

/// <summary>The answer to <c>POST /api/v1/publish</c>: how many sessions the message was delivered or queued to.</summary>
internal sealed record PublishResponse(string Topic, int Deliveries);

/// <summary>The answer to <c>POST /api/v1/reload</c>.</summary>
internal sealed record ReloadResponse(bool Succeeded, IReadOnlyList<string> Reloaded, IReadOnlyList<string> Problems);

/// <summary>Every error answer: one sentence saying what is wrong.</summary>
internal sealed record ErrorResponse(string Error);

/// <summary>Source-generated JSON for the admin API: camelCase, no reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientInfo))]
[JsonSerializable(typeof(List<ClientInfo>))]
[JsonSerializable(typeof(List<SessionInfo>))]
[JsonSerializable(typeof(List<SubscriptionInfo>))]
[JsonSerializable(typeof(List<RetainedInfo>))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(ReloadResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext
{
    /// <summary>The context the API writes with: apostrophes and non-ASCII stay readable for curl users (the output is JSON, never HTML).</summary>
    public static AdminJsonContext Readable { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
