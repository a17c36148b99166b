using System.Globalization;

namespace Tern.TestKit;

/// <summary>
/// The kinds of broker tests run against, by name. A test theory takes the name as its row
/// (<c>[MemberData]</c> over <see cref="Names"/>) and starts a broker of that kind with <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// Adding a kind is one class implementing <see cref="IBrokerUnderTest"/> and one row in <see cref="Kinds"/>;
/// every theory then runs against it too.
/// </remarks>
public static class Brokers
{
    // One row per kind of broker. The name is what test names show.
    private static readonly (string Name, Func<BrokerSettings, CancellationToken, Task<IBrokerUnderTest>> StartAsync)[] Kinds =
    [
        ("mosquitto", async (settings, cancellationToken) => await MosquittoBroker.StartAsync(settings, cancellationToken).ConfigureAwait(false)),
        ("tern", async (settings, cancellationToken) => await TernBroker.StartAsync(settings, cancellationToken).ConfigureAwait(false)),
    ];

    /// <summary>The names of every kind, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Kinds.Select(kind => kind.Name)];

    /// <summary>Starts a broker of the named kind on a free loopback port and returns once it accepts connections.</summary>
    /// <exception cref="ArgumentException">No kind has that name.</exception>
    public static Task<IBrokerUnderTest> StartAsync(string name, BrokerSettings? settings = null, CancellationToken cancellationToken = default)
    {
        foreach (var kind in Kinds)
        {
            if (kind.Name == name)
            {
                return kind.StartAsync(settings ?? BrokerSettings.Default, cancellationToken);
            }
        }

        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"No broker kind '{name}'; known: {string.Join(", ", Names)}."),
            nameof(name));
    }

    /// <summary>The broker's URL for clients that take one, e.g. <c>mqtt://127.0.0.1:40123</c>.</summary>
    public static string Url(this IBrokerUnderTest broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return string.Create(CultureInfo.InvariantCulture, $"mqtt://{broker.Host}:{broker.Port}");
    }
}
