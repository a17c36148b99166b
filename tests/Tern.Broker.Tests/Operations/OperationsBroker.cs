using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tern.TestKit;

namespace Tern.Broker.Tests.Operations;

/// <summary>A broker with its HTTP listener on 127.0.0.1:0 and the admin API opened by <see cref="ApiKey"/>, and HTTP clients for it.</summary>
internal static class OperationsBroker
{
    public const string ApiKey = "test-key-0123456789abcdef";

    public static Task<TernBroker> StartAsync(Action<BrokerOptions>? configure = null, TimeProvider? time = null, Action<IServiceCollection>? services = null) =>
        TernBroker.StartAsync(
            options =>
            {
                options.Http.Enabled = true;
                options.Http.Port = 0;
                options.Http.ApiKey = ApiKey;
                configure?.Invoke(options);
            },
            time,
            services: services);

    /// <summary>An HTTP client for the broker's HTTP listener, with the API key unless <paramref name="apiKey"/> says otherwise.</summary>
    public static HttpClient Http(this TernBroker broker, string? apiKey = ApiKey)
    {
        var endpoint = broker.Broker.HttpEndpoint ?? throw new InvalidOperationException("The HTTP listener is off.");
        var client = new HttpClient { BaseAddress = new Uri($"http://{endpoint}"), Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Scrapes <c>/metrics</c> and returns every sample: "name{labels}" → value.</summary>
    public static async Task<Dictionary<string, double>> ScrapeAsync(this HttpClient client)
    {
        string text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp]; label values here never hold spaces.
            string[] parts = line.Split(' ');
            string name = parts[0].Replace("{otel_scope_name=\"Tern.Broker\"}", string.Empty, StringComparison.Ordinal)
                .Replace("otel_scope_name=\"Tern.Broker\",", string.Empty, StringComparison.Ordinal);
            samples[name] = double.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        return samples;
    }
}
