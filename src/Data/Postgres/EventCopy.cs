using System.Buffers;
using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>
/// Writes a group of appends with one binary COPY: one statement, so one implicit transaction,
/// committed (and, with synchronous_commit on, flushed to the WAL) when the COPY stream is closed.
/// COPY measured faster than multi-row INSERTs for 1,000-event batches (docs/storage.md, "Measurements").
/// </summary>
internal static class EventCopy
{
    public static async Task WriteAsync(
        NpgsqlDataSource dataSource, string table, long firstOffset, DateTimeOffset ingestedAt, IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        var (buffer, length) = Encode(firstOffset, ingestedAt, group);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var copy = await connection.BeginRawBinaryCopyAsync(
                $"COPY {table} (\"offset\", event_time, ingested_at, data) FROM STDIN (FORMAT BINARY)", cancellationToken);
            await copy.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            // Disposing the stream ends the COPY and waits for the server's CommandComplete: the commit.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (byte[] Buffer, int Length) Encode(long firstOffset, DateTimeOffset ingestedAt, IReadOnlyList<PendingAppend> group)
    {
        var rows = 0;
        var payload = 0L;
        foreach (var request in group)
        {
            rows += request.Events.Count;
            foreach (var e in request.Events)
            {
                payload += e.Data.Length;
            }
        }
        var buffer = ArrayPool<byte>.Shared.Rent(BinaryCopyEncoder.SizeOf(rows, payload));
        var span = buffer.AsSpan();
        var at = BinaryCopyEncoder.WriteHeader(span);
        var offset = firstOffset;
        foreach (var request in group)
        {
            foreach (var e in request.Events)
            {
                at += BinaryCopyEncoder.WriteRow(span[at..], offset++, e.Timestamp, ingestedAt, e.Data.Span);
            }
        }
        at += BinaryCopyEncoder.WriteTrailer(span[at..]);
        return (buffer, at);
    }
}
