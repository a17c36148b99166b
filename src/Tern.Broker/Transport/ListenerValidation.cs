namespace Tern.Broker.Transport;

/// <summary>The checks of <see cref="BrokerOptions.Validate"/> that concern protocols, TLS files, paths and ports.</summary>
internal static class ListenerValidation
{
    /// <summary>Every problem of <paramref name="listeners"/>, each a self-contained sentence naming the listener.</summary>
    public static List<string> Check(IReadOnlyList<MqttListenerOptions> listeners)
    {
        var problems = new List<string>();
        foreach (var listener in listeners)
        {
            string name = listener.DisplayName;
            if (!Enum.IsDefined(listener.Protocol))
            {
                problems.Add($"Listener '{name}': Protocol {(int)listener.Protocol} is not one of Mqtt, Mqtts, Ws, Wss.");
                continue;
            }

            if (!Enum.IsDefined(listener.Transport))
            {
                problems.Add($"Listener '{name}': Transport {(int)listener.Transport} is not one of Sockets, Kestrel.");
            }

            if (listener.Protocol is ListenerProtocol.Ws or ListenerProtocol.Wss
                && (string.IsNullOrEmpty(listener.Path) || listener.Path[0] != '/' || listener.Path.Any(char.IsWhiteSpace)))
            {
                problems.Add($"Listener '{name}': Path '{listener.Path}' must start with '/' and contain no spaces (e.g. /mqtt).");
            }

            var tls = listener.Tls ?? new ListenerTlsOptions();
            if (listener.Protocol is ListenerProtocol.Mqtts or ListenerProtocol.Wss)
            {
                if (!Enum.IsDefined(tls.ClientCertificateMode))
                {
                    problems.Add($"Listener '{name}': Tls.ClientCertificateMode must be None, Optional or Required.");
                }
                else if (tls.ClientCertificateMode != ClientCertificateMode.None && string.IsNullOrWhiteSpace(tls.CaFile))
                {
                    problems.Add($"Listener '{name}': Tls.ClientCertificateMode {tls.ClientCertificateMode} needs Tls.CaFile, the PEM file of the authorities client certificates must chain to.");
                }

                if (ListenerTlsMaterial.TryLoad(tls, name, out var problem) is null)
                {
                    problems.Add(problem!);
                }
            }
            else if (tls.CertificateFile is not null || tls.ClientCertificateMode != ClientCertificateMode.None)
            {
                problems.Add($"Listener '{name}': Tls settings need Protocol Mqtts or Wss; a {listener.Protocol} listener does not use TLS.");
            }

            if (tls.UseCertificateIdentityAsUserName && tls.ClientCertificateMode == ClientCertificateMode.None)
            {
                problems.Add($"Listener '{name}': Tls.UseCertificateIdentityAsUserName needs Tls.ClientCertificateMode Optional or Required.");
            }
        }

        // Two listeners on one port collide when their addresses overlap (the same address, or a wildcard).
        for (int i = 0; i < listeners.Count; i++)
        {
            for (int j = i + 1; j < listeners.Count; j++)
            {
                var (a, b) = (listeners[i], listeners[j]);
                if (a.Port != 0 && a.Port == b.Port && (a.Bind == b.Bind || IsWildcard(a.Bind) || IsWildcard(b.Bind)))
                {
                    problems.Add($"Listeners '{a.DisplayName}' and '{b.DisplayName}' both use port {a.Port}.");
                }
            }
        }

        return problems;
    }

    private static bool IsWildcard(string bind) => bind is "*" or "0.0.0.0" or "::";
}
