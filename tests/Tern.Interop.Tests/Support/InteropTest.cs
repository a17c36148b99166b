using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Support;

/// <summary>
/// The base of every test that runs against the brokers under test: the theory rows, and a broker whose log goes to
/// the test's output.
/// </summary>
public abstract class InteropTest(ITestOutputHelper output)
{
    /// <summary>One row per kind of broker under test (see <see cref="Brokers"/>).</summary>
    public static TheoryData<string> BrokerNames => new(Brokers.Names);

    /// <summary>The test's output.</summary>
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Starts a broker of the row's kind on a free loopback port.</summary>
    protected Task<IBrokerUnderTest> StartBrokerAsync(string broker, bool persistence = false) =>
        Brokers.StartAsync(broker, new BrokerSettings { Persistence = persistence, LogSink = Output.WriteLine });
}
