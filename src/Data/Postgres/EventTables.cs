using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>
/// The DDL of the event tables: one append-only table per postgres stream, in the
/// <see cref="Schema"/> schema, named after the stream (a stream name is a valid identifier of at most 63 characters).
/// <para>
/// The payload column is <c>text</c>: the ingest parser has already validated every payload as JSON, and a <c>json</c>
/// column made the backend parse it again on every insert (docs/storage.md, "Event tables"). Tables created before
/// keep their <c>json</c> column and work unchanged: in binary COPY both types take the payload's UTF-8 bytes as they are.
/// </para>
/// </summary>
internal static class EventTables
{
    public const string Schema = "sluice_events";

    /// <summary>The trigger function (created by the catalog migration) that rejects UPDATE, DELETE and TRUNCATE.</summary>
    public const string RejectChangeFunction = Schema + ".reject_event_change";

    public static string QualifiedName(string stream) => $"{Schema}.\"{stream}\"";

    /// <summary>Replaces any table (and idempotency keys) left behind by a stream of the same name whose drop did not finish.</summary>
    public static async Task CreateAsync(NpgsqlDataSource dataSource, string stream, CancellationToken cancellationToken)
    {
        var table = QualifiedName(stream);
        await using (var command = dataSource.CreateCommand($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (
                "offset" bigint PRIMARY KEY,
                event_time timestamptz NOT NULL,
                ingested_at timestamptz NOT NULL,
                data text NOT NULL
            );
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {RejectChangeFunction}();
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {RejectChangeFunction}();
            """))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var forget = dataSource.CreateBatch();
        forget.BatchCommands.Add(AppendKeyTable.DeleteForStream(stream));
        await forget.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<bool> ExistsAsync(NpgsqlDataSource dataSource, string stream, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = QualifiedName(stream) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The offset the next event gets: one past the largest stored (the primary key answers this from the index).</summary>
    public static async Task<long> ReadHeadAsync(NpgsqlDataSource dataSource, string stream, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT COALESCE(MAX(\"offset\") + 1, 0) FROM {QualifiedName(stream)}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task DropAsync(NpgsqlDataSource dataSource, string stream, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE IF EXISTS {QualifiedName(stream)}"));
        batch.BatchCommands.Add(AppendKeyTable.DeleteForStream(stream));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
