using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Sluice.Data.Queries;

namespace Sluice.Data.Postgres;

/// <summary>
/// Query definitions, checkpoints and journals in the catalog database. Definitions go through EF Core; the journal
/// (written before each output append of a multi-input query) and checkpoints (every second) through Npgsql directly,
/// one round trip each.
/// </summary>
public sealed class PostgresQueryCatalog(IDbContextFactory<SluiceDbContext> contexts, NpgsqlDataSource dataSource) : IQueryCatalog
{
    public bool IsDurable => true;

    public async Task<IReadOnlyList<StoredQuery>> LoadAsync(CancellationToken cancellationToken)
    {
        // Npgsql directly, not EF Core: recovery reads this at every start, and EF would first build its model and compile
        // the LINQ query (docs/benchmarks.md, "Recovery of 1,000,000 groups").
        await using var select = dataSource.CreateCommand(
            "SELECT name, sql, start_from, state, start_offsets, created_at, output_start, backfill_until FROM queries ORDER BY created_at, name");
        await using var rows = await select.ExecuteReaderAsync(cancellationToken);
        var stored = new List<StoredQuery>();
        while (await rows.ReadAsync(cancellationToken))
        {
            stored.Add(new StoredQuery(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetString(3) == "running",
                rows.GetFieldValue<long[]>(4), rows.GetFieldValue<DateTimeOffset>(5), rows.GetInt64(6),
                rows.IsDBNull(7) ? null : rows.GetFieldValue<long[]>(7)));
        }
        return stored;
    }

    public async Task SaveAsync(StoredQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await SaveAsync(db, query, cancellationToken);
    }

    public async Task ReplaceAsync(StoredQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.QueryCheckpoints.Where(c => c.Query == query.Name).ExecuteDeleteAsync(cancellationToken);
        await db.QueryJournal.Where(j => j.Query == query.Name).ExecuteDeleteAsync(cancellationToken);
        await SaveAsync(db, query, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task SaveAsync(SluiceDbContext db, StoredQuery query, CancellationToken cancellationToken)
    {
        var record = await db.Queries.FindAsync([query.Name], cancellationToken);
        if (record is null)
        {
            record = new QueryRecord { Name = query.Name, Sql = query.Sql, StartFrom = query.From, State = "", StartOffsets = [] };
            db.Queries.Add(record);
        }
        record.Sql = query.Sql;
        record.StartFrom = query.From;
        record.State = query.Running ? "running" : "stopped";
        record.StartOffsets = query.StartOffsets.ToArray();
        record.CreatedAt = query.CreatedAt.ToUniversalTime();
        record.OutputStart = query.OutputStart;
        record.BackfillUntil = query.BackfillUntil?.ToArray();
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task SetRunningAsync(string name, bool running, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var state = running ? "running" : "stopped";
        await db.Queries.Where(q => q.Name == name).ExecuteUpdateAsync(s => s.SetProperty(q => q.State, state), cancellationToken);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Queries.Where(q => q.Name == name).ExecuteDeleteAsync(cancellationToken);
        await db.QueryCheckpoints.Where(c => c.Query == name).ExecuteDeleteAsync(cancellationToken);
        await db.QueryJournal.Where(j => j.Query == name).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ResetProgressAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.QueryCheckpoints.Where(c => c.Query == name).ExecuteDeleteAsync(cancellationToken);
        await db.QueryJournal.Where(j => j.Query == name).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken) =>
        AppendJournalAsync(name, entries, fence: null, cancellationToken);

    public Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, long fence, CancellationToken cancellationToken) =>
        AppendJournalAsync(name, entries, (long?)fence, cancellationToken);

    private async Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, long? fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }
        var sequences = new long[entries.Count];
        var inputs = new int[entries.Count];
        var ends = new long[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            (sequences[i], inputs[i], ends[i]) = (entries[i].Sequence, entries[i].Input, entries[i].EndOffset);
        }
        await using var batch = dataSource.CreateBatch();
        AddFence(batch, name, fence);
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO query_journal (query, sequence, input, end_offset) SELECT $1, s, i, e FROM unnest($2::bigint[], $3::integer[], $4::bigint[]) AS t(s, i, e)");
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        insert.Parameters.Add(new NpgsqlParameter { Value = sequences, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter { Value = inputs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { Value = ends, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(insert);
        // One implicit transaction: with a fence, the owner check (and the stream lock it takes) holds until the insert commits.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Puts the owner-epoch check of a cluster node first in <paramref name="batch"/> (docs/cluster.md, "Fencing"); nothing outside a cluster.</summary>
    private static void AddFence(NpgsqlBatch batch, string query, long? fence)
    {
        if (fence is not { } epoch)
        {
            return;
        }
        var check = new NpgsqlBatchCommand("SELECT sluice_fence($1, $2)");
        check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query });
        check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
        batch.BatchCommands.Add(check);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(string name, long afterSequence, CancellationToken cancellationToken)
    {
        // Npgsql directly: read by every multi-input query's recovery, on the start path (see LoadAsync).
        await using var select = dataSource.CreateCommand(
            "SELECT sequence, input, end_offset FROM query_journal WHERE query = $1 AND sequence > $2 ORDER BY sequence");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence });
        await using var rows = await select.ExecuteReaderAsync(cancellationToken);
        var entries = new List<JournalEntry>();
        while (await rows.ReadAsync(cancellationToken))
        {
            entries.Add(new JournalEntry(rows.GetInt64(0), rows.GetInt32(1), rows.GetInt64(2)));
        }
        return entries;
    }

    public Task SaveCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken) =>
        SaveCheckpointAsync(checkpoint, fence: null, cancellationToken);

    public Task SaveCheckpointAsync(StoredCheckpoint checkpoint, long fence, CancellationToken cancellationToken) =>
        SaveCheckpointAsync(checkpoint, (long?)fence, cancellationToken);

    private async Task SaveCheckpointAsync(StoredCheckpoint checkpoint, long? fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        AddFence(batch, checkpoint.Query, fence);
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO query_checkpoints (query, format_version, input_offsets, output_head, journal_sequence, state, taken_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (query) DO UPDATE SET format_version = EXCLUDED.format_version, input_offsets = EXCLUDED.input_offsets,
                output_head = EXCLUDED.output_head, journal_sequence = EXCLUDED.journal_sequence, state = EXCLUDED.state, taken_at = EXCLUDED.taken_at
            """);
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Query });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.FormatVersion });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.InputOffsets.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.OutputHead });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.JournalSequence });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.State, NpgsqlDbType = NpgsqlDbType.Bytea });
        upsert.Parameters.Add(new NpgsqlParameter { Value = checkpoint.TakenAt.ToUniversalTime() });
        batch.BatchCommands.Add(upsert);
        var trim = new NpgsqlBatchCommand("DELETE FROM query_journal WHERE query = $1 AND sequence <= $2");
        trim.Parameters.Add(new NpgsqlParameter { Value = checkpoint.Query });
        trim.Parameters.Add(new NpgsqlParameter { Value = checkpoint.JournalSequence });
        batch.BatchCommands.Add(trim);
        // A batch without an explicit transaction runs as one implicit transaction: the checkpoint and the trim commit together.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredCheckpoint?> LoadCheckpointAsync(string name, CancellationToken cancellationToken)
    {
        // Npgsql directly, not EF Core: at a cold start EF first builds and compiles a LINQ query; this is one plain statement.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            "SELECT format_version, input_offsets, output_head, journal_sequence, taken_at, state FROM query_checkpoints WHERE query = $1", connection);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        // Sequential access, the state last: the blob (tens of MB for a million groups) is read from the socket straight into
        // its array, where a buffered row would first be read whole into a buffer of its size and then copied out of it.
        await using var row = await select.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow | System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await row.ReadAsync(cancellationToken))
        {
            return null;
        }
        var formatVersion = row.GetInt32(0);
        var inputOffsets = await row.GetFieldValueAsync<long[]>(1, cancellationToken);
        var outputHead = row.GetInt64(2);
        var journalSequence = row.GetInt64(3);
        var takenAt = await row.GetFieldValueAsync<DateTimeOffset>(4, cancellationToken);
        var state = await row.GetFieldValueAsync<byte[]>(5, cancellationToken);
        return new StoredCheckpoint(name, formatVersion, inputOffsets, outputHead, journalSequence, state, takenAt);
    }
}
