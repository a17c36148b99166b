using System.Buffers.Binary;
using System.Diagnostics;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;

namespace Tern.Cli.Bench;

internal sealed partial class BenchConnection
{
    /// <summary>A publisher gives up its thread after this many batches (up to 64 KiB each) sent back to back.</summary>
    private const int YieldEveryBatches = 1;

    /// <summary>
    /// The publisher's loop: encode as many PUBLISH packets as the window, the rate and the buffer allow, send them in
    /// one write, and read acknowledgements from a receive that is always pending, so sending never waits for
    /// reading. QoS 2 PUBRELs go out in the next batch. Ends when <paramref name="plan"/>'s count is reached or the
    /// run asks to stop, once every message in flight is acknowledged; <paramref name="cancellationToken"/> (the run's
    /// hard deadline) bounds every wait.
    /// </summary>
    public async Task RunPublisherAsync(PublisherPlan plan, BenchRunState run, CancellationToken cancellationToken)
    {
        GrowBuffersForTraffic();
        var payload = new byte[plan.Size];
        payload.AsSpan().Fill((byte)'x');
        var qos = plan.QoS;
        int window = qos == QualityOfService.AtMostOnce ? int.MaxValue : Math.Min(plan.Inflight, ServerReceiveMaximum);
        int frameSize = PublishPacket.GetSize(Version, qos, plan.Topic.Length, 0, payload.Length);
        bool paced = plan.RatePerSecond > 0;
        double ticksPerMessage = paced ? Stopwatch.Frequency / plan.RatePerSecond : 0;
        long start = Stopwatch.GetTimestamp();
        long sent = 0;
        long acknowledged = 0;
        int inflight = 0;
        ushort packetId = 0;
        int batchesSinceYield = 0;

        var receive = StartReceive(cancellationToken);
        try
        {
            while (true)
            {
                if (receive.IsCompleted)
                {
                    if (await receive.ConfigureAwait(false) == 0)
                    {
                        throw new BenchException($"{Name}: the broker closed the connection");
                    }

                    HandlePublisherFrames(ref inflight, ref acknowledged);
                    receive = StartReceive(cancellationToken);
                    continue;
                }

                bool stopping = run.StopRequested || sent >= plan.Count;
                if (stopping && inflight == 0 && _send.Length == 0)
                {
                    break;
                }

                long allowance = stopping ? 0 : Math.Min(window - (long)inflight, plan.Count - sent);
                long now = Stopwatch.GetTimestamp();
                if (paced)
                {
                    allowance = Math.Min(allowance, (long)((now - start) / ticksPerMessage) + 1 - sent);
                }

                int batch = 0;
                while (batch < allowance && _send.Free >= frameSize)
                {
                    if (plan.Timestamps)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
                    }

                    if (qos != QualityOfService.AtMostOnce)
                    {
                        packetId = (ushort)(packetId == ushort.MaxValue ? 1 : packetId + 1);
                    }

                    PublishPacket.Write(_send, Version, new PublishHeader(qos, PacketIdentifier: packetId), plan.Topic, default, payload);
                    batch++;
                }

                if (_send.Length > 0)
                {
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (batch > 0)
                    {
                        sent += batch;
                        if (qos != QualityOfService.AtMostOnce)
                        {
                            inflight += batch;
                        }

                        Volatile.Write(ref _published, sent);
                        Volatile.Write(ref _lastPublish, Stopwatch.GetTimestamp());
                    }

                    // Against a broker that takes everything, every send completes at once and this loop would keep
                    // the socket engine's one thread (inline completions) to itself, starving the subscribers in the
                    // same process: two generator processes then measured 1.5 to 2 times one against Tern at fan-in
                    // QoS 0; yielding after each batch brought that to 1.1-1.2 (Mosquitto: 0.9). Let the others run.
                    if (++batchesSinceYield == YieldEveryBatches)
                    {
                        batchesSinceYield = 0;
                        await Task.Yield();
                    }

                    if (!paced || batch == 0)
                    {
                        continue;
                    }
                }

                // Nothing more may be sent now: wait for an acknowledgement, or for the next message to fall due.
                if (paced && !stopping && inflight < window)
                {
                    long due = start + (long)((sent + 1) * ticksPerMessage);
                    var delay = TimeSpan.FromTicks(Math.Max(0, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due).Ticks));
                    await Task.WhenAny(receive, Task.Delay(delay, cancellationToken)).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else if (stopping && qos == QualityOfService.AtMostOnce)
                {
                    break;
                }
                else if (!stopping && qos == QualityOfService.AtMostOnce)
                {
                    // The buffer was full and is sent; go on.
                    continue;
                }
                else
                {
                    // The window is full, or publishing stopped with messages still in flight.
                    await receive.ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _published, sent);
            Volatile.Write(ref _acknowledged, acknowledged);
        }
    }

    /// <summary>
    /// The subscriber's loop: receive a batch, count every PUBLISH (and its latency when the payload carries a
    /// timestamp), answer QoS 1/2 in one write per batch. Runs until <paramref name="cancellationToken"/> ends the
    /// drain, or <paramref name="maximum"/> messages arrived.
    /// </summary>
    public async Task RunSubscriberAsync(long maximum, BenchRunState run, CancellationToken cancellationToken)
    {
        GrowBuffersForTraffic();
        long delivered = 0;
        while (delivered < maximum)
        {
            if (await ReceiveAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new BenchException($"{Name}: the broker closed the connection");
            }

            long now = Stopwatch.GetTimestamp();
            delivered += HandleSubscriberFrames(now, run.MeasureFrom);
            Volatile.Write(ref _delivered, delivered);
            Volatile.Write(ref _lastActivity, now);
            if (_send.Length > 0)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task<int> StartReceive(CancellationToken cancellationToken) => ReceiveAsync(cancellationToken).AsTask();

    private void HandlePublisherFrames(ref int inflight, ref long acknowledged)
    {
        long before = acknowledged;
        while (TryScan(out var header))
        {
            switch (header.Type)
            {
                case PacketType.PubAck or PacketType.PubComp:
                    inflight--;
                    acknowledged++;
                    break;
                case PacketType.PubRec:
                    if (!PubAckPacket.TryDecode(header, Body(header), Version, out var pubrec, out _))
                    {
                        throw new BenchException($"{Name}: the broker sent a malformed PUBREC");
                    }

                    if (ReasonCodes.IsFailure(pubrec.ReasonCode))
                    {
                        inflight--; // 5.0 §4.3.3: the exchange ends here; the message was refused.
                    }
                    else
                    {
                        PubAckPacket.WriteShort(_send.GetSpan(PubAckPacket.ShortSize), PacketType.PubRel, pubrec.PacketIdentifier);
                        _send.Advance(PubAckPacket.ShortSize);
                    }

                    break;
                case PacketType.Disconnect:
                    throw Disconnected(header);
            }

            Consume(header);
        }

        if (acknowledged != before)
        {
            Volatile.Write(ref _acknowledged, acknowledged);
            Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        }
    }

    private int HandleSubscriberFrames(long now, long measureFrom)
    {
        int count = 0;
        while (TryScan(out var header))
        {
            switch (header.Type)
            {
                case PacketType.Publish:
                    if (!PublishPacket.TryDecode(header, Body(header), Version, out var publish, out var violation))
                    {
                        throw new BenchException($"{Name}: the broker sent a malformed PUBLISH ({violation.Description})");
                    }

                    count++;
                    if (Latency is not null && publish.Payload.Length >= BenchSettings.TimestampBytes)
                    {
                        long sentAt = BinaryPrimitives.ReadInt64LittleEndian(publish.Payload);
                        if (sentAt >= measureFrom)
                        {
                            Latency.Add(now - sentAt);
                        }
                    }

                    if (publish.QoS != QualityOfService.AtMostOnce)
                    {
                        var answer = publish.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec;
                        PubAckPacket.WriteShort(_send.GetSpan(PubAckPacket.ShortSize), answer, publish.PacketIdentifier);
                        _send.Advance(PubAckPacket.ShortSize);
                    }

                    break;
                case PacketType.PubRel:
                    if (!PubAckPacket.TryDecode(header, Body(header), Version, out var pubrel, out _))
                    {
                        throw new BenchException($"{Name}: the broker sent a malformed PUBREL");
                    }

                    PubAckPacket.WriteShort(_send.GetSpan(PubAckPacket.ShortSize), PacketType.PubComp, pubrel.PacketIdentifier);
                    _send.Advance(PubAckPacket.ShortSize);
                    break;
                case PacketType.Disconnect:
                    throw Disconnected(header);
            }

            Consume(header);
        }

        return count;
    }

    private BenchException Disconnected(in FixedHeader header)
    {
        string reason = Version == ProtocolVersion.V500
            && DisconnectPacket.TryDecode(header, Body(header), Version, out var disconnect, out _)
            ? ReasonCodes.GetName(disconnect.ReasonCode, PacketType.Disconnect)
            : "no reason given";
        return new BenchException($"{Name}: the broker sent DISCONNECT ({reason})");
    }
}
