using System.Buffers.Binary;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// Encodes event rows in PostgreSQL's binary COPY format (documented under COPY, "Binary Format"; stable
/// since 7.4): a header, then per row a field count and length-prefixed big-endian values, then a trailer.
/// We build the whole COPY body in one buffer instead of going through NpgsqlBinaryImporter's per-value
/// writes, which cost ~4 async calls and a converter lookup per value (25% of server CPU in the profile,
/// docs/storage.md).
/// </summary>
public static class BinaryCopyEncoder
{
    private const int FieldCount = 4;
    private const int HeaderSize = 11 + 4 + 4;
    private const int TrailerSize = 2;
    private const int FixedRowSize = 2 + (4 + 8) * 3 + 4;

    // "PGCOPY\n\377\r\n\0"
    private static ReadOnlySpan<byte> Signature => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00];

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>Bytes needed for <paramref name="rows"/> rows whose payloads add up to <paramref name="payloadBytes"/>.</summary>
    public static int SizeOf(int rows, long payloadBytes) => checked((int)(HeaderSize + (long)rows * FixedRowSize + payloadBytes + TrailerSize));

    public static int WriteHeader(Span<byte> destination)
    {
        Signature.CopyTo(destination);
        BinaryPrimitives.WriteInt32BigEndian(destination[11..], 0); // flags
        BinaryPrimitives.WriteInt32BigEndian(destination[15..], 0); // header extension length
        return HeaderSize;
    }

    /// <summary>One row of (offset bigint, event_time timestamptz, ingested_at timestamptz, data text or json); returns the bytes written.</summary>
    public static int WriteRow(Span<byte> destination, long offset, DateTimeOffset eventTime, DateTimeOffset ingestedAt, ReadOnlySpan<byte> json) =>
        WriteRow(destination, offset, eventTime, ingestedAt, json, EventOp.None);

    /// <summary>
    /// As <see cref="WriteRow(Span{byte}, long, DateTimeOffset, DateTimeOffset, ReadOnlySpan{byte})"/>, with the payload as
    /// the API shows it (<see cref="EventOps.WriteWireData"/>): the table keeps a changelog op inside the data, as it always has,
    /// so tables and rows written before need no migration. Needs <see cref="EventOps.WireLength"/> bytes for the payload.
    /// </summary>
    public static int WriteRow(Span<byte> destination, long offset, DateTimeOffset eventTime, DateTimeOffset ingestedAt, ReadOnlySpan<byte> json, EventOp op)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, FieldCount);
        var at = 2;
        at += WriteInt64(destination[at..], offset);
        at += WriteInt64(destination[at..], ToPostgresMicroseconds(eventTime));
        at += WriteInt64(destination[at..], ToPostgresMicroseconds(ingestedAt));
        // The binary form of text, and of json, is the UTF-8 text itself.
        var length = EventOps.WriteWireData(json, op, destination[(at + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[at..], length);
        return at + 4 + length;
    }

    public static int WriteTrailer(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, -1);
        return TrailerSize;
    }

    /// <summary>timestamptz on the wire: microseconds since 2000-01-01 UTC.</summary>
    public static long ToPostgresMicroseconds(DateTimeOffset value) => (value.UtcTicks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>The UTC ticks a timestamptz of <paramref name="microseconds"/> reads back as.</summary>
    public static long FromPostgresMicroseconds(long microseconds) => PostgresEpochTicks + microseconds * TimeSpan.TicksPerMicrosecond;

    private static int WriteInt64(Span<byte> destination, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, 8);
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], value);
        return 12;
    }
}
