namespace Tern.Broker;

/// <summary>Where durable broker state lives.</summary>
public enum PersistenceMode
{
    /// <summary>In memory only: everything is lost when the process ends (MQTTnet's and Mosquitto's default).</summary>
    Memory = 0,

    /// <summary>In a SQLite database in <see cref="PersistenceOptions.DataDirectory"/> (package Tern.Broker.Sqlite).</summary>
    Sqlite = 1,
}
