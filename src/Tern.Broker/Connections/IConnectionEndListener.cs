namespace Tern.Broker.Connections;

/// <summary>
/// Implemented by a transport's <see cref="Microsoft.AspNetCore.Connections.ConnectionContext"/> that wants to be told
/// when its <see cref="MqttConnection"/> has ended instead of awaiting <see cref="MqttConnection.RunAsync"/>: an
/// awaiting method would be one more parked state machine per idle connection.
/// </summary>
internal interface IConnectionEndListener
{
    /// <summary>
    /// Called exactly once, on whichever thread ended the connection, after the read loop and the writer have both
    /// finished. A fault of the connection code itself has been logged by then; this must not throw.
    /// </summary>
    void OnConnectionEnded();
}
