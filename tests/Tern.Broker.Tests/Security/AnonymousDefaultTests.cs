using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Broker.Security;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// <see cref="BrokerSecurity.AllowsAnonymous"/> remembers the last bind address it parsed; the answer must follow the
/// listener it is asked about, including when listeners alternate and when a listener's address changes.
/// </summary>
public class AnonymousDefaultTests
{
    [Fact]
    public void The_anonymous_default_follows_each_listeners_bind_address_when_asked_alternately()
    {
        using var metrics = new BrokerMetrics();
        using var security = NewSecurity(metrics);
        var loopback = new MqttListenerOptions { Bind = "127.0.0.1" };
        var ipv6Loopback = new MqttListenerOptions { Bind = "::1" };
        var everywhere = new MqttListenerOptions { Bind = "0.0.0.0" };
        var named = new MqttListenerOptions { Bind = "localhost" };

        for (int i = 0; i < 3; i++)
        {
            Assert.True(security.AllowsAnonymous(loopback));
            Assert.True(security.AllowsAnonymous(loopback));
            Assert.False(security.AllowsAnonymous(everywhere));
            Assert.True(security.AllowsAnonymous(ipv6Loopback));
            Assert.False(security.AllowsAnonymous(everywhere));
            Assert.True(security.AllowsAnonymous(named));
        }
    }

    [Fact]
    public void A_listener_whose_bind_address_changes_gets_the_answer_for_the_new_address()
    {
        using var metrics = new BrokerMetrics();
        using var security = NewSecurity(metrics);
        var listener = new MqttListenerOptions { Bind = "127.0.0.1" };
        Assert.True(security.AllowsAnonymous(listener));

        listener.Bind = "0.0.0.0";
        Assert.False(security.AllowsAnonymous(listener));

        // An equal string that is another object: answered from the address, not from the cached reference.
        listener.Bind = new string("127.0.0.1".AsSpan());
        Assert.True(security.AllowsAnonymous(listener));
    }

    [Fact]
    public void The_listeners_own_setting_and_the_broker_wide_setting_come_before_the_address()
    {
        using var metrics = new BrokerMetrics();
        using var open = NewSecurity(metrics, new SecurityOptions { AllowAnonymous = true });
        using var closed = NewSecurity(metrics, new SecurityOptions { AllowAnonymous = false });
        var everywhere = new MqttListenerOptions { Bind = "0.0.0.0" };
        var loopback = new MqttListenerOptions { Bind = "127.0.0.1" };

        Assert.True(open.AllowsAnonymous(everywhere));
        Assert.False(closed.AllowsAnonymous(loopback));
        Assert.False(open.AllowsAnonymous(new MqttListenerOptions { Bind = "127.0.0.1", AllowAnonymous = false }));
    }

    private static BrokerSecurity NewSecurity(BrokerMetrics metrics, SecurityOptions? security = null) =>
        new(Options.Create(new BrokerOptions { Security = security ?? new SecurityOptions() }), [], [], NullLoggerFactory.Instance, metrics);
}
