using System.Net;
using System.Net.Sockets;

namespace Tern.TestKit;

/// <summary>Finds a free TCP port for a program that cannot bind port 0 and report the port itself (Mosquitto).</summary>
public static class FreePort
{
    /// <summary>
    /// Binds 127.0.0.1:0, reads the port the system chose and releases it. Another process may take the port before
    /// the caller binds it: callers retry on "address in use".
    /// </summary>
    public static int OnLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
