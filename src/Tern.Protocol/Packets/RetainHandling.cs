namespace Tern.Protocol.Packets;

/// <summary>
/// The Retain Handling subscription option (5.0 §3.8.3.1, bits 4 and 5): whether retained messages are sent when the
/// subscription is made. Value 3 is a Protocol Error. MQTT 3.1 and 3.1.1 always behave as <see cref="SendAtSubscribe"/>.
/// </summary>
public enum RetainHandling : byte
{
    /// <summary>0: send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>1: send retained messages at subscribe only if the subscription does not currently exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>2: do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
