using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>One idempotency key as stored: the request's digest and the offsets it was given.</summary>
internal sealed record StoredAppendKey(string Key, byte[] RequestHash, long FirstOffset, int Count, DateTimeOffset CreatedAt);

/// <summary>
/// The <c>idempotency_keys</c> table (created by the AppendGuards migration): one row per (stream, key),
/// inserted in the same transaction as the events it answers for, so a crash can never keep one without
/// the other. The primary key is what detects a retry whose first answer was lost.
/// </summary>
internal static class AppendKeyTable
{
    public const string Table = "idempotency_keys";
    public const string PrimaryKey = "pk_idempotency_keys";

    public static NpgsqlBatchCommand Insert(string stream, IReadOnlyList<StoredAppendKey> keys, DateTimeOffset createdAt)
    {
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO {Table} (stream, key, request_hash, first_offset, count, created_at)
            SELECT $1, k, h, o, c, $6 FROM unnest($2::text[], $3::bytea[], $4::bigint[], $5::integer[]) AS t(k, h, o, c)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Key).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = keys.Select(k => k.RequestHash).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = keys.Select(k => k.FirstOffset).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = keys.Select(k => k.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        return command;
    }

    /// <summary>
    /// The live entries among <paramref name="keys"/>, after deleting those older than <paramref name="expiredAtOrBefore"/>
    /// (a key past the window is treated as never seen, whether or not the pruner has got to it yet).
    /// </summary>
    public static async Task<Dictionary<string, StoredAppendKey>> LoadAsync(
        NpgsqlDataSource dataSource, string stream, IReadOnlyCollection<string> keys, DateTimeOffset expiredAtOrBefore, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var delete = new NpgsqlBatchCommand($"DELETE FROM {Table} WHERE stream = $1 AND key = ANY($2) AND created_at <= $3");
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.ToArray() });
        delete.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = expiredAtOrBefore });
        batch.BatchCommands.Add(delete);
        var select = new NpgsqlBatchCommand($"SELECT key, request_hash, first_offset, count, created_at FROM {Table} WHERE stream = $1 AND key = ANY($2)");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.ToArray() });
        batch.BatchCommands.Add(select);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var found = new Dictionary<string, StoredAppendKey>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetString(0);
            found[key] = new StoredAppendKey(key, reader.GetFieldValue<byte[]>(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4));
        }
        return found;
    }

    /// <summary>Removes every key older than <paramref name="expiredAtOrBefore"/>; returns how many.</summary>
    public static async Task<int> PruneAsync(NpgsqlDataSource dataSource, DateTimeOffset expiredAtOrBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {Table} WHERE created_at <= $1");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = expiredAtOrBefore });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static bool IsDuplicateKey(Exception error) =>
        error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: PrimaryKey };

    /// <summary>Forgets a stream's keys: run where its event table is dropped or replaced, so a new stream of that name starts clean.</summary>
    public static NpgsqlBatchCommand DeleteForStream(string stream)
    {
        var command = new NpgsqlBatchCommand($"DELETE FROM {Table} WHERE stream = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        return command;
    }
}
