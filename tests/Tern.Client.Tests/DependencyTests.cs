using Tern.Protocol;

namespace Tern.Client.Tests;

/// <summary>The client is for any .NET program: it must not pull in ASP.NET Core (Kestrel is the broker's business).</summary>
public sealed class DependencyTests
{
    [Fact]
    public void Neither_the_client_nor_the_codec_references_ASP_NET_Core()
    {
        foreach (var assembly in new[] { typeof(MqttClient).Assembly, typeof(QualityOfService).Assembly })
        {
            var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
            Assert.All(references, name => Assert.True(
                name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "Tern.Protocol" || name.StartsWith("Microsoft.Extensions.Logging", StringComparison.Ordinal),
                $"{assembly.GetName().Name} references {name}"));
        }
    }
}
