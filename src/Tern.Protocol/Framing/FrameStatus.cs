namespace Tern.Protocol.Framing;

/// <summary>What <see cref="FrameScanner"/> found at the start of a buffer.</summary>
public enum FrameStatus : byte
{
    /// <summary>A whole packet is in the buffer.</summary>
    Complete = 0,

    /// <summary>The packet is not all there yet; read more bytes and scan again.</summary>
    NeedMoreData = 1,

    /// <summary>The bytes can never form an acceptable packet; the violation says why. Close the connection.</summary>
    Invalid = 2,
}
