using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Tern.Broker.Connections;
using Tern.Protocol;
using Tern.Protocol.Framing;

namespace Tern.Benchmarks.InProcess;

/// <summary>
/// One client of an <see cref="InProcessBroker"/>: what it sends goes into the connection's input pipe and is
/// processed at once on the calling thread; what the broker queued for it is written into its output pipe when it
/// reads. Allocation-free per message once warmed up (pipes' segments are pooled, PUBACKs are written in place).
/// </summary>
internal sealed class InProcessClient : IDisposable
{
    // Pipes that never pause their writer: the harness reads everything after each step, so nothing builds up.
    private static readonly PipeOptions PipeOptions = new(
        pool: new BlockPool(),
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        resumeWriterThreshold: 0,
        useSynchronizationContext: false);

    private readonly Pipe _toBroker = new(PipeOptions);
    private readonly Pipe _fromBroker = new(PipeOptions);
    private readonly ProtocolVersion _version;
    private bool _closed;

    public InProcessClient(InProcessBroker broker, string clientId, ProtocolVersion version, EndPoint remote)
    {
        ClientId = clientId;
        _version = version;
        var context = new DefaultConnectionContext("inproc-" + clientId, new DuplexPipe(_toBroker.Reader, _fromBroker.Writer), new DuplexPipe(_fromBroker.Reader, _toBroker.Writer))
        {
            RemoteEndPoint = remote,
        };
        Connection = new MqttConnection(context, broker.Engine);
        Connection.OpenInProcess();
    }

    public string ClientId { get; }

    /// <summary>The broker's side of this client.</summary>
    public MqttConnection Connection { get; }

    /// <summary>PUBLISH packets received so far.</summary>
    public long PublishesReceived { get; private set; }

    /// <summary>Payload bytes of the PUBLISH packets received so far (a check that the bytes are the message's).</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Sends packets and lets the broker process them (routing included) on this thread.</summary>
    public void SendRaw(ReadOnlySpan<byte> packets)
    {
        // One packet per contiguous span: a packet straddling two pipe blocks would make the read path copy it into an
        // array from ArrayPool<byte>.Shared, which a GC under parallel test load may have trimmed (an allocation that
        // is the shared pool's, not the broker's). Packets a transport splits are the read path's documented slow path.
        while (!packets.IsEmpty)
        {
            int length = FrameScanner.TryScan(packets, int.MaxValue, out var header, out _) == FrameStatus.Complete ? header.TotalLength : packets.Length;
            packets[..length].CopyTo(_toBroker.Writer.GetSpan(length));
            _toBroker.Writer.Advance(length);
            packets = packets[length..];
        }

        Flush(_toBroker.Writer);
        if (!Connection.ReadAvailable())
        {
            _closed = true;
        }
    }

    /// <summary>SUBSCRIBE to one filter; the SUBACK is read and discarded.</summary>
    public void Subscribe(string filter, QualityOfService qos, int subscriptionIdentifier = 0)
    {
        SendRaw(Packets.Subscribe(filter, qos, _version, subscriptionIdentifier));
        DiscardReceived();
    }

    /// <summary>UNSUBSCRIBE from one filter; the UNSUBACK is read and discarded.</summary>
    public void Unsubscribe(string filter)
    {
        SendRaw(Packets.Unsubscribe(filter, _version));
        DiscardReceived();
    }

    /// <summary>Reads what the broker queued for this client and drops it (acknowledgements to a publisher, CONNACK).</summary>
    public void DiscardReceived()
    {
        Connection.WriteQueued();
        var reader = _fromBroker.Reader;
        if (reader.TryRead(out var result))
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }

    /// <summary>
    /// Reads what the broker queued for this client, counts the PUBLISH packets and, when <paramref name="acknowledge"/>
    /// is set, answers each QoS 1 PUBLISH with PUBACK, processed by the broker before this returns. Returns the number of PUBLISH read.
    /// </summary>
    public int Receive(bool acknowledge = true)
    {
        Connection.WriteQueued();
        var reader = _fromBroker.Reader;
        if (!reader.TryRead(out var result))
        {
            return 0;
        }

        var buffer = result.Buffer;
        int publishes = 0;
        int acks = 0;
        var writer = _toBroker.Writer;
        Span<byte> head = stackalloc byte[4];
        while (FrameScanner.TryScan(buffer, int.MaxValue, out var header, out _) == FrameStatus.Complete)
        {
            if (header.Type == PacketType.Publish)
            {
                publishes++;
                int qos = (header.Flags >> 1) & 0x03;
                var body = buffer.Slice(header.HeaderLength, header.RemainingLength);
                body.Slice(0, 2).CopyTo(head);
                int topicLength = BinaryPrimitives.ReadUInt16BigEndian(head);
                int afterTopic = 2 + topicLength;
                if (qos > 0)
                {
                    body.Slice(afterTopic, 2).CopyTo(head[2..]);
                    afterTopic += 2;
                    if (acknowledge)
                    {
                        var ack = writer.GetSpan(4);
                        ack[0] = 0x40;
                        ack[1] = 0x02;
                        ack[2] = head[2];
                        ack[3] = head[3];
                        writer.Advance(4);
                        acks++;
                    }
                }

                if (_version == ProtocolVersion.V500)
                {
                    // The property length, a variable byte integer, and the properties precede the payload.
                    int propertiesLength = 0;
                    int shift = 0;
                    byte digit;
                    do
                    {
                        body.Slice(afterTopic++, 1).CopyTo(head);
                        digit = head[0];
                        propertiesLength |= (digit & 0x7F) << shift;
                        shift += 7;
                    }
                    while ((digit & 0x80) != 0);
                    afterTopic += propertiesLength;
                }

                BytesReceived += header.RemainingLength - afterTopic;
            }

            buffer = buffer.Slice(header.TotalLength);
        }

        reader.AdvanceTo(buffer.Start, buffer.End);
        PublishesReceived += publishes;
        Flush(writer);
        if (acks > 0 && !Connection.ReadAvailable())
        {
            _closed = true;
        }

        return publishes;
    }

    /// <summary>DISCONNECT (normal, the will is dropped), then the connection closes as when the transport ends.</summary>
    public void Disconnect()
    {
        if (!_closed)
        {
            SendRaw(_version == ProtocolVersion.V500 ? [0xE0, 0x01, 0x00] : [0xE0, 0x00]);
        }

        Close();
    }

    /// <summary>The network connection is lost, without DISCONNECT.</summary>
    public void Close()
    {
        Connection.CloseInProcess();
        _closed = true;
    }

    public void Dispose()
    {
        if (!_closed)
        {
            Close();
        }

        _toBroker.Writer.Complete();
        _toBroker.Reader.Complete();
        _fromBroker.Writer.Complete();
        _fromBroker.Reader.Complete();
    }

    private static void Flush(PipeWriter writer)
    {
        var flush = writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            throw new InvalidOperationException("An in-process pipe applied back pressure.");
        }

        flush.GetAwaiter().GetResult();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
