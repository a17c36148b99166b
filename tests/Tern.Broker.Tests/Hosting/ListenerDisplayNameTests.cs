namespace Tern.Broker.Tests.Hosting;

public class ListenerDisplayNameTests
{
    [Fact]
    public void The_default_name_follows_the_options_when_they_change_after_it_was_read()
    {
        var listener = new MqttListenerOptions { Bind = "127.0.0.1", Port = 1883 };
        Assert.Equal("mqtt:127.0.0.1:1883", listener.DisplayName);
        Assert.Same(listener.DisplayName, listener.DisplayName);

        listener.Port = 8883;
        listener.Protocol = ListenerProtocol.Mqtts;
        Assert.Equal("mqtts:127.0.0.1:8883", listener.DisplayName);

        listener.Bind = "0.0.0.0";
        Assert.Equal("mqtts:0.0.0.0:8883", listener.DisplayName);

        listener.Name = "secure";
        Assert.Equal("secure", listener.DisplayName);
    }
}
