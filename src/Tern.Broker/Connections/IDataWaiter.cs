namespace Tern.Broker.Connections;

/// <summary>
/// Implemented by a transport's <see cref="System.IO.Pipelines.PipeReader"/> that can wait for the next bytes without an
/// async method of its own (the socket transport's zero-byte receive). The read loop awaits it while the connection is
/// idle, so an idle connection parks exactly one state machine: the read loop's.
/// </summary>
internal interface IDataWaiter
{
    /// <summary>
    /// A wait that completes when bytes, the end of the stream or an error are there; completed at once when the reader
    /// already holds bytes or reading has ended. Its result carries no information; its errors are the transport's own
    /// (pass them through <see cref="TranslateError"/>).
    /// </summary>
    ValueTask<int> WaitForDataAsync();

    /// <summary>Turns an error of <see cref="WaitForDataAsync"/> into the exception a read would have thrown.</summary>
    Exception TranslateError(Exception error);
}
