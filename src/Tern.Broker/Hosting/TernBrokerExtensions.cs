using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Broker.Transport;

namespace Tern.Broker;

/// <summary>Embedding the broker in an ASP.NET Core application.</summary>
public static class TernBrokerExtensions
{
    /// <summary>
    /// Adds the Tern broker engine to the services. Declare one or more Kestrel listeners with
    /// <see cref="UseTernMqtt(ListenOptions)"/>; HTTP endpoints of the same application keep working on their own listeners.
    /// </summary>
    /// <example><code>
    /// builder.Services.AddTernBroker(o => o.MaxQueuedMessages = 5000);
    /// builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(1883, l => l.UseTernMqtt()));
    /// </code></example>
    public static IServiceCollection AddTernBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<BrokerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new BrokerMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<BrokerEngine>();
        services.TryAddSingleton<MqttConnectionHandler>();
        services.TryAddSingleton<BrokerReloader>();
        services.TryAddSingleton<Security.BrokerSecurity>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReloadableComponent, Security.BrokerSecurity>(sp => sp.GetRequiredService<Security.BrokerSecurity>()));
        services.AddHostedService<BrokerLifetimeService>();

        // A packet of the maximum size must fit in the transport's read buffer, or the read loop would wait forever
        // for bytes the transport will not read (RELIABILITY C16: no pipe stall at exactly max_packet_size).
        services.AddSingleton<IConfigureOptions<SocketTransportOptions>>(sp => new ConfigureOptions<SocketTransportOptions>(o =>
        {
            int needed = sp.GetRequiredService<IOptions<BrokerOptions>>().Value.MaxPacketSize + 16;
            if (o.MaxReadBufferSize is { } current && current < needed)
            {
                o.MaxReadBufferSize = needed;
            }
        }));
        return services;
    }

    /// <summary>Serves MQTT on this Kestrel listener.</summary>
    public static ListenOptions UseTernMqtt(this ListenOptions listenOptions) => UseTernMqtt(listenOptions, listener: null);

    /// <summary>
    /// Serves MQTT on this Kestrel listener with the authentication settings and name of <paramref name="listener"/>
    /// (null: the defaults, named <c>default</c>, with the address Kestrel binds as <see cref="MqttListenerOptions.Bind"/>).
    /// </summary>
    public static ListenOptions UseTernMqtt(this ListenOptions listenOptions, MqttListenerOptions? listener)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);

        // A listener declared without options binds what Kestrel binds: the anonymous default (allowed on loopback
        // addresses only, SecurityOptions.AllowAnonymous) is decided on that address, not on a guess.
        listener ??= new MqttListenerOptions
        {
            Name = "default",
            Bind = listenOptions.IPEndPoint is { } endpoint ? endpoint.Address.ToString() : "*",
            Port = listenOptions.IPEndPoint?.Port ?? 0,
        };
        listenOptions.Use(next => connection =>
        {
            connection.Items[Connections.MqttConnection.ListenerItemKey] = listener;
            return next(connection);
        });

        listenOptions.UseConnectionHandler<MqttConnectionHandler>();
        return listenOptions;
    }
}
