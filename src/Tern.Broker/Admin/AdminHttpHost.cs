using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Admin;

/// <summary>
/// Sets up the operator's HTTP listener of <see cref="MqttBroker"/>: a Kestrel HTTP/1.1 listener next to the MQTT
/// ones, the OpenTelemetry meter provider with its Prometheus exporter, the health checks and the admin API.
/// </summary>
internal static class AdminHttpHost
{
    /// <summary>The paths served on the HTTP listener only (an MQTT-over-WebSocket listener does not answer them).</summary>
    private static readonly string[] OwnPaths = ["/metrics", "/healthz", "/readyz", "/api/v1"];

    /// <summary>Adds the services and, when the listener is on, the Kestrel listener. Returns where it will be bound.</summary>
    public static HttpListenerBinding Configure(WebApplicationBuilder builder, BrokerOptions options)
    {
        var binding = new HttpListenerBinding();
        var http = options.Http;
        builder.Services.AddSingleton<BrokerReadiness>();
        builder.Services.AddSingleton(sp => new AdminAuthenticator(options));
        if (http.Enabled != true)
        {
            return binding;
        }

        builder.Services.AddRouting();
        builder.Services.AddHealthChecks().AddCheck<BrokerReadiness>("listeners", tags: [BrokerReadiness.ReadyTag]);
        builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("tern")).WithMetrics(metrics => metrics.AddMeter(BrokerMetrics.MeterName).AddPrometheusExporter());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(http.GetAddress(), http.Port ?? BrokerHttpOptions.DefaultPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            binding.Listen = listen;
        }));
        return binding;
    }

    /// <summary>Maps the endpoints when the listener is on.</summary>
    public static void Map(WebApplication app, BrokerOptions options, HttpListenerBinding binding)
    {
        if (options.Http.Enabled != true)
        {
            return;
        }

        app.Use(next => context => IsOwnPath(context.Request.Path) && context.Connection.LocalPort != binding.EndPoint?.Port
            ? WriteNotFound(context)
            : next(context));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(BrokerReadiness.ReadyTag),

            // "Unhealthy" alone does not tell an operator what to fix: the reasons follow it.
            ResponseWriter = (context, report) => context.Response.WriteAsync(string.Join(
                ": ",
                [report.Status.ToString(), .. report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description ?? "not ready")])),
        });
        AdminApi.Map(app, options);
    }

    /// <summary>After the start: readiness on, the bound endpoint logged and returned.</summary>
    public static IPEndPoint? Started(WebApplication app, BrokerOptions options, HttpListenerBinding binding)
    {
        app.Services.GetRequiredService<BrokerReadiness>().MarkListening();
        if (binding.EndPoint is not { } endPoint)
        {
            return null;
        }

        var logger = app.Services.GetRequiredService<BrokerEngine>().Logger;
        BrokerLog.HttpListening(logger, endPoint.ToString(), options.Http.AdminApiEnabled ? ", admin API" : string.Empty);
        return endPoint;
    }

    private static bool IsOwnPath(PathString path) =>
        OwnPaths.Any(own => path.StartsWithSegments(own, StringComparison.OrdinalIgnoreCase));

    private static Task WriteNotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}

/// <summary>Where the HTTP listener was bound (Kestrel writes the real port back into the listen options).</summary>
internal sealed class HttpListenerBinding
{
    public ListenOptions? Listen { get; set; }

    public IPEndPoint? EndPoint => Listen?.IPEndPoint;
}
