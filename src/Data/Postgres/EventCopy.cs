using Npgsql;
using NpgsqlTypes;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// Writes a batch with binary COPY: one statement, so one implicit transaction, committed (and with
/// synchronous_commit on, flushed to the WAL) when <see cref="NpgsqlBinaryImporter.CompleteAsync"/> returns.
/// Measured faster than a multi-row INSERT for 1000-event batches (docs/storage.md, "Measurements").
/// </summary>
internal static class EventCopy
{
    public static async Task WriteAsync(
        NpgsqlDataSource dataSource, string table, long firstOffset, DateTimeOffset ingestedAt, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {table} (\"offset\", event_time, ingested_at, data) FROM STDIN (FORMAT BINARY)", cancellationToken);
        var ingested = ingestedAt.ToUniversalTime();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(firstOffset + i, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(e.Timestamp.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await importer.WriteAsync(ingested, NpgsqlDbType.TimestampTz, cancellationToken);
            await importer.WriteAsync(e.Data, NpgsqlDbType.Jsonb, cancellationToken);
        }
        await importer.CompleteAsync(cancellationToken);
    }
}
