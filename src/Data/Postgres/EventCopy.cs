using System.Buffers;
using Npgsql;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// Writes a group of appends with one binary COPY: one statement, so one implicit transaction,
/// committed (and, with synchronous_commit on, flushed to the WAL) when the COPY stream is closed.
/// COPY measured faster than multi-row INSERTs for 1,000-event batches (docs/storage.md, "Measurements").
/// </summary>
internal static class EventCopy
{
    /// <summary>
    /// Writes the events of <paramref name="group"/> from <paramref name="firstOffset"/> on, and, when there are
    /// <paramref name="keys"/>, inserts them in the same transaction: then the events and the keys that answer for
    /// them commit together, or neither does (a duplicate key aborts the whole transaction, see <see cref="AppendKeyTable"/>).
    /// </summary>
    public static async Task WriteAsync(
        NpgsqlDataSource dataSource, string stream, string table, long firstOffset, DateTimeOffset ingestedAt,
        IReadOnlyList<PendingAppend> group, IReadOnlyList<StoredAppendKey> keys, CancellationToken cancellationToken)
    {
        var (buffer, length) = Encode(firstOffset, ingestedAt, group);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            if (keys.Count == 0)
            {
                // One statement, so one implicit transaction: no BEGIN/COMMIT round trips.
                await CopyAsync(connection, table, buffer.AsMemory(0, length), cancellationToken);
                return;
            }
            // Npgsql sends BEGIN along with the COPY, and the key INSERT travels with the COMMIT in one batch: one
            // round trip more than a plain append, shared by every request of the group (docs/benchmarks.md,
            // "Idempotent appends"). Npgsql sees the transaction end in the server's ReadyForQuery, so disposing
            // it afterwards sends nothing; if the INSERT fails (a duplicate key), COMMIT is skipped and dispose rolls back.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await CopyAsync(connection, table, buffer.AsMemory(0, length), cancellationToken);
            await using var insertAndCommit = connection.CreateBatch();
            insertAndCommit.Transaction = transaction;
            insertAndCommit.BatchCommands.Add(AppendKeyTable.Insert(stream, keys, ingestedAt));
            insertAndCommit.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await insertAndCommit.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Writes the events of <paramref name="group"/> from <paramref name="firstOffset"/> on in a transaction that commits
    /// only once every group before it in <paramref name="turn"/>'s pipeline committed. The COPY itself does not wait: it
    /// runs while the earlier groups wait for their WAL flush, and its end lets the next group start its own. Throws
    /// (and rolls back) when an earlier group failed, since these offsets were handed out after that group's.
    /// </summary>
    public static async Task WriteInOrderAsync(
        NpgsqlDataSource dataSource, string table, long firstOffset, DateTimeOffset ingestedAt,
        IReadOnlyList<PendingAppend> group, CommitPipeline.CommitTurn turn)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        // Npgsql sends BEGIN along with the COPY; the COPY's CommandComplete then comes without a WAL flush.
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        var (buffer, length) = Encode(firstOffset, ingestedAt, group);
        try
        {
            await CopyAsync(connection, table, buffer.AsMemory(0, length), CancellationToken.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        turn.CopyEnded();
        await turn.PredecessorsCommitted;
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>
    /// Writes the events (and their keys) inside <paramref name="transaction"/>, which the caller commits: a cluster node
    /// appends under the stream's lock in PostgreSQL, taken earlier in the same transaction (docs/cluster.md).
    /// </summary>
    public static async Task WriteInTransactionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string stream, string table, long firstOffset, DateTimeOffset ingestedAt,
        IReadOnlyList<PendingAppend> group, IReadOnlyList<StoredAppendKey> keys, CancellationToken cancellationToken)
    {
        var (buffer, length) = Encode(firstOffset, ingestedAt, group);
        try
        {
            await CopyAsync(connection, table, buffer.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (keys.Count > 0)
        {
            await using var insert = new NpgsqlBatch(connection, transaction);
            insert.BatchCommands.Add(AppendKeyTable.Insert(stream, keys, ingestedAt));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, ReadOnlyMemory<byte> rows, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginRawBinaryCopyAsync(
            $"COPY {table} (\"offset\", event_time, ingested_at, data) FROM STDIN (FORMAT BINARY)", cancellationToken);
        await copy.WriteAsync(rows, cancellationToken);
        // Disposing the stream ends the COPY and waits for the server's CommandComplete (the commit, outside a transaction).
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
                payload += EventOps.WireLength(e.Data.Span, e.Op);
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
                at += BinaryCopyEncoder.WriteRow(span[at..], offset++, e.Timestamp, ingestedAt, e.Data.Span, e.Op);
            }
        }
        at += BinaryCopyEncoder.WriteTrailer(span[at..]);
        return (buffer, at);
    }
}
