using Tern.Broker;
using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>Restarts a broker under test on the same port: Mosquitto in place (SIGTERM, start), Tern by a clean stop and a start over the same options (and store).</summary>
internal static class BrokerRestart
{
    /// <summary>Stops <paramref name="broker"/> and starts one of the same kind on its port; returns the one to use from now on.</summary>
    public static async Task<IBrokerUnderTest> RestartAsync(IBrokerUnderTest broker, BrokerSettings settings)
    {
        switch (broker)
        {
            case MosquittoBroker mosquitto:
                await mosquitto.RestartAsync();
                return mosquitto;
            case TernBroker tern:
                await tern.RestartAsync();
                return tern;
            default:
                throw new NotSupportedException($"No restart for {broker.Name}.");
        }
    }
}
