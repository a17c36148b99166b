using System.Text.Json;
using Tern.Interop.Tests.Support;
using Tern.TestKit;

namespace Tern.Interop.Tests.TestKit;

/// <summary>The interop suite fails, never skips, on a machine without its peers: these say plainly which is missing.</summary>
public sealed class PeersArePresentTests
{
    [Fact]
    public void Mosquitto_is_installed()
    {
        Assert.True(File.Exists(PeerCheck.Mosquitto()));
    }

    [Fact]
    public void Mosquitto_pub_and_sub_are_installed()
    {
        Assert.True(File.Exists(PeerCheck.MosquittoPub()));
        Assert.True(File.Exists(PeerCheck.MosquittoSub()));
    }

    [Fact]
    public void Node_and_the_pinned_mqtt_module_are_installed()
    {
        Assert.True(File.Exists(PeerCheck.Node()));
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(Peers.NodeDirectory, "package.json")));
        string pinned = package.RootElement.GetProperty("dependencies").GetProperty("mqtt").GetString()!;

        Assert.Equal(pinned, PeerCheck.NodeModule(Peers.NodeDirectory, "mqtt"));
    }

    [Fact]
    public void A_missing_peer_fails_with_how_to_install_it()
    {
        var failure = Assert.Throws<ExpectationFailedException>(
            () => PeerCheck.Executable("no-such-peer-program", "/nonexistent/no-such-peer-program", "nothing"));

        Assert.Contains(".ci/install-peers", failure.Message, StringComparison.Ordinal);
    }
}
