namespace Tern.Client.Tests.Support;

/// <summary>Client identifiers and topics no other test uses, so tests can share a broker and run in parallel.</summary>
internal static class Unique
{
    /// <summary><paramref name="prefix"/> + "-" + 8 hex digits.</summary>
    public static string ClientId(string prefix) => $"{prefix}-{Fragment()}";

    /// <summary>"tern-ct/&lt;8 hex digits&gt;/&lt;name&gt;".</summary>
    public static string Topic(string name) => $"tern-ct/{Fragment()}/{name}";

    private static string Fragment() => Guid.NewGuid().ToString("N")[..8];
}
