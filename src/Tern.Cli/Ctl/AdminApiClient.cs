using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Tern.Cli.Ctl;

/// <summary>
/// Talks to a broker's admin API for <c>tern ctl</c>. Every failure becomes a <see cref="CtlException"/> with one line
/// that says what to do: the broker cannot be reached, the key is wrong, the client does not exist.
/// </summary>
internal sealed class AdminApiClient(Uri baseAddress, string? apiKey) : IDisposable
{
    private readonly HttpClient _http = Create(baseAddress, apiKey);

    /// <summary>Sends a request and returns the JSON body (null for 204 No Content).</summary>
    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CtlException($"cannot reach {Display}: {Describe(ex)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CtlException($"cannot reach {Display}: no answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonElement? json = body.Length == 0 ? null : TryParse(body);
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.UnprocessableEntity)
            {
                return json;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new CtlException("unauthorized (401): check --api-key (or TERN_API_KEY)");
            }

            string error = json is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("error", out var message) ? message.GetString() ?? body : body;
            throw new CtlException(response.StatusCode == HttpStatusCode.NotFound && error.Length > 0 ? error : $"{(int)response.StatusCode} {response.ReasonPhrase}: {error}".TrimEnd(' ', ':'));
        }
    }

    public void Dispose() => _http.Dispose();

    private string Display => baseAddress.GetLeftPart(UriPartial.Authority);

    private static HttpClient Create(Uri baseAddress, string? apiKey)
    {
        var root = baseAddress.AbsoluteUri.TrimEnd('/') + "/api/v1/";
        var http = new HttpClient { BaseAddress = new Uri(root), Timeout = TimeSpan.FromSeconds(10) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return http;
    }

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => "unknown host",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "timed out",
        SocketException socket => socket.Message.ToLowerInvariant(),
        _ => ex.Message,
    };

    private static JsonElement? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A <c>tern ctl</c> failure: the message is printed as one line, the exit code is 1.</summary>
internal sealed class CtlException(string message) : Exception(message);
