using System.Buffers.Binary;
using System.Text;
using Tern.Protocol;

namespace Tern.Client.Persistence;

/// <summary>One message kept in the store, as written, with where its QoS 2 exchange had got to.</summary>
internal sealed record StoredMessage(long Id, string Topic, QualityOfService QoS, bool Retain, byte[] Properties, byte[] Payload)
{
    /// <summary>The packet identifier it was last sent with (QoS 2 only), or 0 when it was not sent on a kept session.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>PUBREC was received: after a restart the client resends PUBREL, not the PUBLISH.</summary>
    public bool Released { get; init; }
}

/// <summary>
/// The durable publish queue: an append-only log of "added" and "removed" records, each fsync'd before the call
/// returns, so a message a caller handed to <c>PublishAsync</c> survives a crash until its acknowledgement removes it.
/// </summary>
/// <remarks>
/// <para>
/// Record layout (little-endian): <c>u32 body length, u32 FNV-1a checksum of the body, body</c>. An "added" body is
/// <c>u8 1, i64 id, u8 qos, u8 retain, u16 topic length, topic, u32 properties length, properties (5.0 encoding),
/// u32 payload length, payload</c>; a "removed" body is <c>u8 2, i64 id</c>.
/// </para>
/// <para>
/// Opening replays the log and keeps the added records never removed, in id order. A record cut short or failing
/// its checksum (a write torn by a crash) ends the replay: it and anything after it are dropped, since it was never
/// acknowledged to a caller as stored. The live records are then rewritten into a fresh file (write to a temporary
/// file, fsync, rename), and again whenever removed records outnumber live ones by 1,024: the file stays proportional
/// to what is undelivered. One process at a time: the file is opened without sharing.
/// </para>
/// </remarks>
internal sealed class FileMessageStore : IDisposable
{
    private const byte Added = 1;
    private const byte Removed = 2;
    private const byte Sent = 3;
    private const byte Released = 4;
    private const int HeaderSize = 8;

    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly SortedDictionary<long, StoredMessage> _live = [];
    private readonly int _compactionSlack;
    private FileStream _file;
    private long _nextId = 1;
    private int _removedSinceCompaction;

    private FileMessageStore(string path, FileStream file, int compactionSlack)
    {
        _path = path;
        _file = file;
        _compactionSlack = compactionSlack;
    }

    /// <summary>How many messages are stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Opens (or creates) the store and returns what it holds, oldest first.</summary>
    /// <param name="path">The log file.</param>
    /// <param name="messages">What it holds.</param>
    /// <param name="compactionSlack">Removed records tolerated beyond the live ones before the log is rewritten.</param>
    public static FileMessageStore Open(string path, out IReadOnlyList<StoredMessage> messages, int compactionSlack = 1024)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.None);
        var store = new FileMessageStore(path, file, compactionSlack);
        try
        {
            store.Replay();
            store.Compact();
        }
        catch
        {
            store.Dispose();
            throw;
        }

        messages = [.. store._live.Values];
        return store;
    }

    /// <summary>Stores a message durably and returns its id.</summary>
    public long Add(string topic, QualityOfService qos, bool retain, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            long id = _nextId++;
            var message = new StoredMessage(id, topic, qos, retain, properties.ToArray(), payload.ToArray());
            Append(Encode(message));
            _live[id] = message;
            return id;
        }
    }

    /// <summary>Forgets a delivered (or dropped) message.</summary>
    public void Remove(long id)
    {
        lock (_gate)
        {
            if (!_live.Remove(id))
            {
                return;
            }

            var body = new byte[9];
            body[0] = Removed;
            BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(1), id);
            Append(body);
            if (++_removedSinceCompaction > _live.Count + _compactionSlack)
            {
                Compact();
            }
        }
    }

    /// <summary>Records that a QoS 2 message is about to be sent with <paramref name="packetIdentifier"/> (0: sent on no kept session any more).</summary>
    public void MarkSent(long id, ushort packetIdentifier)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out var message) || (message.PacketIdentifier == packetIdentifier && !message.Released))
            {
                return;
            }

            Append(EncodeSent(id, packetIdentifier));
            _live[id] = message with { PacketIdentifier = packetIdentifier, Released = false };
        }
    }

    /// <summary>Records that the PUBREC of a QoS 2 message came: from now on only its PUBREL is resent.</summary>
    public void MarkReleased(long id)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out var message) || message.Released)
            {
                return;
            }

            Append(EncodeReleased(id));
            _live[id] = message with { Released = true };
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint hash = 2_166_136_261;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 16_777_619;
        }

        return hash;
    }

    private static void WriteRecord(Stream stream, ReadOnlySpan<byte> body)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(body));
        stream.Write(header);
        stream.Write(body);
    }

    private void Append(ReadOnlySpan<byte> body)
    {
        _file.Seek(0, SeekOrigin.End);
        WriteRecord(_file, body);
        _file.Flush(flushToDisk: true);
    }

    private void Replay()
    {
        _file.Seek(0, SeekOrigin.Begin);
        byte[] data = new byte[_file.Length];
        _file.ReadExactly(data);
        int at = 0;
        while (data.Length - at >= HeaderSize)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4));
            if (length < 9 || length > data.Length - at - HeaderSize)
            {
                break;
            }

            var body = data.AsSpan(at + HeaderSize, length);
            if (Checksum(body) != checksum || !Apply(body))
            {
                break;
            }

            at += HeaderSize + length;
        }
    }

    private bool Apply(ReadOnlySpan<byte> body)
    {
        long id = BinaryPrimitives.ReadInt64LittleEndian(body[1..]);
        _nextId = Math.Max(_nextId, id + 1);
        if (body[0] == Removed)
        {
            _live.Remove(id);
            return true;
        }

        if (body[0] == Sent)
        {
            if (body.Length != 11)
            {
                return false;
            }

            if (_live.TryGetValue(id, out var sent))
            {
                _live[id] = sent with { PacketIdentifier = BinaryPrimitives.ReadUInt16LittleEndian(body[9..]), Released = false };
            }

            return true;
        }

        if (body[0] == Released)
        {
            if (_live.TryGetValue(id, out var released))
            {
                _live[id] = released with { Released = true };
            }

            return true;
        }

        if (body[0] != Added || body.Length < 13)
        {
            return false;
        }

        var qos = (QualityOfService)body[9];
        bool retain = body[10] != 0;
        int topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body[11..]);
        int at = 13;
        if (body.Length < at + topicLength + 4)
        {
            return false;
        }

        string topic = Encoding.UTF8.GetString(body.Slice(at, topicLength));
        at += topicLength;
        int propertiesLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        if (propertiesLength < 0 || body.Length < at + propertiesLength + 4)
        {
            return false;
        }

        byte[] properties = body.Slice(at, propertiesLength).ToArray();
        at += propertiesLength;
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        at += 4;
        if (payloadLength < 0 || body.Length != at + payloadLength)
        {
            return false;
        }

        _live[id] = new StoredMessage(id, topic, qos, retain, properties, body.Slice(at, payloadLength).ToArray());
        return true;
    }

    // Rewrites the live records into a new file and swaps it in atomically (rename), so a crash during compaction
    // leaves either the old log or the new one, never a mix.
    private void Compact()
    {
        string temporary = _path + ".compact";
        using (var fresh = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var message in _live.Values)
            {
                WriteRecord(fresh, Encode(message));
                if (message.PacketIdentifier != 0)
                {
                    WriteRecord(fresh, EncodeSent(message.Id, message.PacketIdentifier));
                }

                if (message.Released)
                {
                    WriteRecord(fresh, EncodeReleased(message.Id));
                }
            }

            fresh.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(temporary, _path, overwrite: true);
        _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        _removedSinceCompaction = 0;
    }

    private static byte[] EncodeSent(long id, ushort packetIdentifier)
    {
        var body = new byte[11];
        body[0] = Sent;
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(1), id);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(9), packetIdentifier);
        return body;
    }

    private static byte[] EncodeReleased(long id)
    {
        var body = new byte[9];
        body[0] = Released;
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(1), id);
        return body;
    }

    private static byte[] Encode(StoredMessage message)
    {
        byte[] topic = Encoding.UTF8.GetBytes(message.Topic);
        var body = new byte[1 + 8 + 1 + 1 + 2 + topic.Length + 4 + message.Properties.Length + 4 + message.Payload.Length];
        var span = body.AsSpan();
        span[0] = Added;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], message.Id);
        span[9] = (byte)message.QoS;
        span[10] = message.Retain ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[11..], (ushort)topic.Length);
        int at = 13;
        topic.CopyTo(span[at..]);
        at += topic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], message.Properties.Length);
        at += 4;
        message.Properties.CopyTo(span[at..]);
        at += message.Properties.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], message.Payload.Length);
        at += 4;
        message.Payload.CopyTo(span[at..]);
        return body;
    }
}
