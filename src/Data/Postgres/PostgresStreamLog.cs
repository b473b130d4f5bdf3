using System.Collections.Concurrent;
using Npgsql;
using Sluice.Data.Cluster;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// One postgres stream. Offsets are assigned and written under the stream's lock, held across the
/// write and its commit, so they are gapless and in commit order; the in-memory head advances only
/// after the commit, so a reader (which never reads past the head) cannot skip an event whose
/// transaction commits late.
/// <para>
/// Group commit: an appender queues its request, then takes the lock; the holder writes every request
/// queued so far in one COPY (one commit, one WAL flush) and completes them all. Concurrent requests
/// for a hot stream thus share the flush instead of waiting for one each (docs/storage.md, "Measurements").
/// </para>
/// </summary>
internal sealed class PostgresStreamLog : StreamLog
{
    // Bounds one COPY (and so the time a leader spends before acknowledging its own request).
    private const int MaxGroupEvents = 16_000;

    // Cluster only: how long after another node's append to this stream this node keeps taking the stream's lock (WritesAlone).
    private static readonly TimeSpan OtherWriterQuiet = TimeSpan.FromSeconds(1);

    // Cluster only: a write under the lock can still meet offsets that another node wrote without it at the same head and
    // committed meanwhile; each retry reads the head again, and those nodes turn to the lock once they hear of this one
    // (the first refusal is announced, AnnounceContentionAsync).
    private const int MaxOffsetRetries = 10;

    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly string table;
    private readonly string selectRange;
    private readonly SemaphoreSlim appendLock = new(1, 1);
    private readonly ConcurrentQueue<PendingAppend> queue = new();
    private readonly StreamOwnership? ownership;
    private readonly TimeSpan idempotencyWindow;
    private readonly ClusterMode? cluster;
    private long head;
    // The ownership epoch the head was read in: after the guard is re-taken (PostgreSQL restarted), read it again.
    private long headEpoch;
    // Set by a failed write (its commit may or may not have happened), also after the lock is released: read with Volatile.
    private bool headUncertain;
    private readonly CommitPipeline pipeline;
    // The offset the next planned group starts at: the head plus the events of the groups still in flight (under the lock).
    private long reserved;
    private bool dropped;
    // Cluster only: whether the head is known to be the table's (this node's last write committed), and when another
    // node's append to this stream was last seen (WritesAlone).
    private bool headIsOwn;
    private long otherWriterSeenTicks;

    public PostgresStreamLog(
        StreamDefinition definition, NpgsqlDataSource dataSource, TimeProvider time, long head, StreamOwnership? ownership, TimeSpan idempotencyWindow,
        ClusterMode? cluster = null, int groupsInFlight = PostgresAppendOptions.DefaultGroupsInFlight)
        : base(definition)
    {
        pipeline = new CommitPipeline(groupsInFlight);
        this.cluster = cluster;
        this.dataSource = dataSource;
        this.time = time;
        this.head = head;
        reserved = head;
        this.ownership = ownership;
        this.idempotencyWindow = idempotencyWindow;
        headEpoch = ownership?.Epoch ?? 0;
        table = EventTables.QualifiedName(definition.Name);
        selectRange = $"SELECT \"offset\", event_time, ingested_at, data FROM {table} WHERE \"offset\" >= $1 AND \"offset\" < $2 ORDER BY \"offset\"";
    }

    // No retention yet: every event ever appended stays readable.
    public override LogPosition Position => new(Volatile.Read(ref head), 0);

    public override async ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) =>
        // Without conditions the only outcome is Appended.
        ((AppendOutcome.Appended)await AppendAsync(events, AppendConditions.None, cancellationToken)).Result;

    public override async ValueTask<AppendOutcome> AppendAsync(IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken)
    {
        if (events.Count == 0 && conditions.Key is null && conditions.ExpectedOffset is null)
        {
            var at = Volatile.Read(ref head);
            return new AppendOutcome.Appended(new AppendResult(at, at - 1, 0), Replayed: false);
        }
        using var request = new PendingAppend(events, conditions, cancellationToken);
        queue.Enqueue(request);
        try
        {
            // Ends early when another writer claims our request, so claimed callers do not queue for the lock.
            await appendLock.WaitAsync(request.LockWait.Token);
            try
            {
                while (request.IsWaiting)
                {
                    await WriteQueuedAsync(request);
                }
            }
            finally
            {
                appendLock.Release();
            }
        }
        catch (OperationCanceledException) when (request.LockWait.IsCancellationRequested)
        {
            // Claimed by another writer, or the caller gave up while queued (for the lock or for a turn to write).
        }
        if (cancellationToken.IsCancellationRequested && request.TryAbandon())
        {
            throw new OperationCanceledException(cancellationToken);
        }
        return await request.Outcome;
    }

    /// <summary>
    /// Takes the queued requests (up to <see cref="MaxGroupEvents"/>) as one group and writes them with one COPY; runs
    /// under the lock. In single-service mode the group's offsets are handed out here and its COPY and commit run on
    /// after the lock is released, in the <see cref="pipeline"/>'s order (docs/storage.md, "Pipelined group commit").
    /// </summary>
    private async Task WriteQueuedAsync(PendingAppend own)
    {
        if (cluster is not null)
        {
            var clustered = ClaimQueued();
            if (clustered.Count > 0)
            {
                await WriteClusteredGroupAsync(clustered);
            }
            return;
        }
        // Waited for before claiming, so the group takes in everything queued meanwhile, and a caller giving up is still queued.
        var turn = await pipeline.WaitForTurnAsync(own.LockWait.Token);
        var group = ClaimQueued();
        if (group.Count == 0)
        {
            turn.Skipped();
            return;
        }
        try
        {
            ObjectDisposedException.ThrowIf(dropped, this);
            // Never write without holding the database: another service may own it now (it would reuse our offsets).
            ownership?.ThrowIfNotHeld();
            if (Volatile.Read(ref headUncertain) || (ownership is not null && ownership.Epoch != headEpoch)
                || group.Exists(r => r.Conditions.Key is not null || r.Conditions.ExpectedOffset is not null))
            {
                // Reading the head back, and conditions (whose plan depends on what is stored), need every earlier group finished.
                await turn.PredecessorsFinished;
                await WriteAloneAsync(group);
                turn.Committed();
                return;
            }
            var now = time.GetUtcNow();
            var plan = AppendPlan.Make(group, reserved, stored: null, now);
            // Nothing below throws: from here the group owns its offsets, and its second half completes its turn.
            reserved = plan.NextOffset;
            _ = WriteInOrderAsync(plan, now, turn);
        }
        catch (Exception ex)
        {
            // Refused before taking offsets (the stream dropped, the database not held): the written paths answer their own requests.
            foreach (var request in group)
            {
                request.Fail(ex);
            }
            turn.Skipped();
        }
    }

    private List<PendingAppend> ClaimQueued()
    {
        var group = new List<PendingAppend>();
        var count = 0;
        while (queue.TryPeek(out var next) && (count == 0 || count + next.Events.Count <= MaxGroupEvents))
        {
            queue.TryDequeue(out _);
            if (next.TryClaim())
            {
                group.Add(next);
                count += next.Events.Count;
            }
        }
        return group;
    }

    /// <summary>
    /// Second half of a pipelined group, after the lock: COPY, commit once the earlier groups committed, then advance the
    /// head. When this group or an earlier one failed, nothing of it is committed and the head is read back before the next write.
    /// </summary>
    private async Task WriteInOrderAsync(AppendPlan plan, DateTimeOffset now, CommitPipeline.CommitTurn turn)
    {
        try
        {
            await EventCopy.WriteInOrderAsync(dataSource, table, plan.FirstOffset, now, plan.ToWrite, turn);
        }
        catch (Exception ex)
        {
            // The commit may or may not have happened (the connection broke during it, say): read the head back before the next write.
            Volatile.Write(ref headUncertain, true);
            FailGroup(plan.ToWrite, ex);
            turn.Failed(ex);
            return;
        }
        Publish(plan, now);
        turn.Committed();
    }

    /// <summary>
    /// Writes a group with nothing else in flight: after a failure (the head is read back first), and for groups with
    /// conditions, whose plan may change once the database has refused a duplicate key.
    /// </summary>
    private async Task WriteAloneAsync(List<PendingAppend> group)
    {
        try
        {
            if (Volatile.Read(ref headUncertain) || (ownership is not null && ownership.Epoch != headEpoch))
            {
                await ResyncHeadAsync();
            }
            var now = time.GetUtcNow();
            var plan = AppendPlan.Make(group, head, stored: null, now);
            if (plan.NeedsStoredKeys)
            {
                plan = AppendPlan.Make(group, head, await LoadStoredKeysAsync(group, now), now);
            }
            for (var attempt = 1; ; attempt++)
            {
                if (plan.ToWrite.Count == 0 && plan.NewKeys.Count == 0)
                {
                    break;
                }
                try
                {
                    // The write runs to the end regardless of callers giving up: an abandoned COPY or commit
                    // would leave us unsure what the table holds.
                    await EventCopy.WriteAsync(dataSource, Definition.Name, table, plan.FirstOffset, now, plan.ToWrite, plan.NewKeys, CancellationToken.None);
                    break;
                }
                catch (Exception ex) when (AppendKeyTable.IsDuplicateKey(ex) && attempt < 3)
                {
                    // A key was stored by an earlier request whose answer was lost (or whose entry has expired):
                    // the transaction rolled back whole, so plan again knowing the stored keys.
                    plan = AppendPlan.Make(group, head, await LoadStoredKeysAsync(group, now), now);
                }
                catch
                {
                    // The commit may or may not have happened (the connection broke during it, say): read the head back before the next write.
                    Volatile.Write(ref headUncertain, true);
                    throw;
                }
            }
            Publish(plan, now);
            reserved = plan.NextOffset;
        }
        catch (Exception ex)
        {
            FailGroup(group, ex);
        }
    }

    /// <summary>The group's events are committed: keep them in the tail, advance the head, answer every request.</summary>
    private void Publish(AppendPlan plan, DateTimeOffset now)
    {
        if (plan.NextOffset != plan.FirstOffset)
        {
            KeepCommitted(plan.FirstOffset, now, plan.ToWrite);
            Volatile.Write(ref head, plan.NextOffset);
            NotifyAppended();
        }
        foreach (var (request, outcome) in plan.Outcomes)
        {
            request.Complete(outcome);
        }
    }

    private void FailGroup(List<PendingAppend> group, Exception ex)
    {
        if (PostgresFailures.IsUnavailable(ex))
        {
            // Pooled connections opened before an outage are dead; drop them so the next write opens fresh ones.
            dataSource.Clear();
        }
        foreach (var request in group)
        {
            request.Fail(ex);
        }
    }

    /// <summary>A group in cluster mode, written under the lock with nothing else in flight.</summary>
    private async Task WriteClusteredGroupAsync(List<PendingAppend> group)
    {
        try
        {
            ObjectDisposedException.ThrowIf(dropped, this);
            await WriteClusteredAsync(group);
        }
        catch (Exception ex)
        {
            FailGroup(group, ex);
        }
    }

    /// <summary>
    /// The cluster's append (docs/cluster.md, "Offsets with several writers"): other nodes append to the same table, so the
    /// in-process lock is not enough. In one transaction: the COPY at the stream's head, then, in one round trip, the
    /// fence of a query's output (<c>sluice_fence</c>: the query's owner epoch must still be this run's), the announcement of
    /// the new head on <see cref="ClusterMode.Channel"/> and the COMMIT. The head is this node's own when it wrote the stream
    /// last and no other node appended to it lately (<see cref="WritesAlone"/>); the offsets' primary key refuses the COPY if
    /// another node got there first, and the write starts again under the lock. Otherwise the stream's advisory lock is taken
    /// and the head read from the table first (one round trip more), as every writer holding that lock from reading the head
    /// to committing keeps the offsets gapless and unique across nodes.
    /// </summary>
    private async Task WriteClusteredAsync(List<PendingAppend> group)
    {
        var fence = group.Select(r => r.Conditions.FenceEpoch).FirstOrDefault(f => f is not null);
        var now = time.GetUtcNow();
        // A request that expects an offset is answered from the table's head, never from this node's.
        var unlocked = WritesAlone(now) && group.All(r => r.Conditions.ExpectedOffset is null);
        Dictionary<string, StoredAppendKey>? stored = null;
        var offsetsTaken = 0;
        var announceContention = false;
        for (var attempt = 1; ; attempt++)
        {
            AppendPlan plan;
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
                if (announceContention)
                {
                    await AnnounceContentionAsync(connection);
                    announceContention = false;
                }
                await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
                long startHead;
                if (unlocked)
                {
                    startHead = Volatile.Read(ref head);
                }
                else
                {
                    startHead = await LockAndReadHeadAsync(connection, transaction);
                    if (startHead > Volatile.Read(ref head))
                    {
                        NoteOtherWriter();
                    }
                    AdvanceHead(startHead);
                }
                plan = AppendPlan.Make(group, startHead, stored, now);
                if (plan.NeedsStoredKeys && stored is null)
                {
                    stored = await LoadStoredKeysAsync(group, now);
                    plan = AppendPlan.Make(group, startHead, stored, now);
                }
                if (plan.ToWrite.Count > 0 || plan.NewKeys.Count > 0)
                {
                    await EventCopy.WriteInTransactionAsync(connection, transaction, Definition.Name, table, plan.FirstOffset, now, plan.ToWrite, plan.NewKeys, CancellationToken.None);
                    await FenceAnnounceAndCommitAsync(connection, transaction, fence, plan.NextOffset);
                }
            }
            catch (Exception ex) when (IsOffsetTaken(ex) && ++offsetsTaken <= MaxOffsetRetries)
            {
                // Another node appended since this one last did (its announcement is still on its way), or, under the lock,
                // committed rows it had written without the lock at the head this node read: nothing of this transaction
                // committed. Write again under the lock, from the table's head.
                unlocked = false;
                NoteOtherWriter();
                announceContention = true;
                continue;
            }
            catch (Exception ex) when (AppendKeyTable.IsDuplicateKey(ex) && attempt < 3)
            {
                // Another request stored one of the keys meanwhile: the transaction rolled back whole; plan again knowing the stored keys.
                stored = await LoadStoredKeysAsync(group, now);
                continue;
            }
            catch
            {
                // The commit may or may not have happened: the next write reads the head under the lock.
                Volatile.Write(ref headIsOwn, false);
                throw;
            }
            if (plan.NextOffset != plan.FirstOffset)
            {
                KeepCommitted(plan.FirstOffset, now, plan.ToWrite);
                AdvanceHead(plan.NextOffset);
                Volatile.Write(ref headIsOwn, true);
            }
            foreach (var (request, outcome) in plan.Outcomes)
            {
                request.Complete(outcome);
            }
            return;
        }
    }

    /// <summary>
    /// True when this node may append at its own head without PostgreSQL's lock: its last write to the stream committed
    /// (so the head is the table's, unless another node wrote since) and no other node announced an append to it within
    /// <see cref="OtherWriterQuiet"/>. A stream written from several nodes at once thus takes the lock (a COPY refused for a
    /// taken offset costs more than the lock's round trip), one written from one node does not.
    /// </summary>
    private bool WritesAlone(DateTimeOffset now) =>
        Volatile.Read(ref headIsOwn) && now.UtcTicks - Volatile.Read(ref otherWriterSeenTicks) >= OtherWriterQuiet.Ticks;

    private void NoteOtherWriter()
    {
        Volatile.Write(ref headIsOwn, false);
        Volatile.Write(ref otherWriterSeenTicks, time.GetUtcNow().UtcTicks);
    }

    /// <summary>The COPY was refused because one of its offsets is stored already (this stream's primary key).</summary>
    private bool IsOffsetTaken(Exception error) =>
        error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, SchemaName: EventTables.Schema } refused && refused.TableName == Definition.Name;

    /// <summary>
    /// One round trip: the fence (a query's output), the announcement and the COMMIT. The fence comes last, after the COPY,
    /// so a writer never holds the fence's lock while it waits for anything but its commit (docs/cluster.md, "Fencing").
    /// </summary>
    private async Task FenceAnnounceAndCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long? fence, long nextHead)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (fence is { } epoch)
        {
            var check = new NpgsqlBatchCommand("SELECT sluice_fence($1, $2)");
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Definition.Name });
            check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
            batch.BatchCommands.Add(check);
        }
        var announce = new NpgsqlBatchCommand("SELECT pg_notify($1, $2)");
        announce.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ClusterMode.Channel });
        announce.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StreamAnnouncements.Appended(Definition.Name, nextHead, cluster!.Writer) });
        batch.BatchCommands.Add(announce);
        // Npgsql sees the transaction end in the server's answer, so disposing it afterwards sends nothing (EventCopy does the same).
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>
    /// After this node's COPY was refused for offsets another node took: that node wrote them without the lock, and it hears
    /// of other writers only through their announcements, which a refused write never sends. Unwarned, it goes on writing
    /// at its own head, each group a little ahead of this node's next try, until the tries run out (two nodes appending to
    /// one stream failed that way on a loaded machine). So this node announces at once, outside a transaction (a NOTIFY is
    /// sent at commit), the head it knows, a committed one: the others take the lock from their next write on, and no
    /// reader's head moves back. One round trip, on contention only.
    /// </summary>
    private async Task AnnounceContentionAsync(NpgsqlConnection connection)
    {
        await using var announce = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection);
        announce.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ClusterMode.Channel });
        announce.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StreamAnnouncements.Appended(Definition.Name, Volatile.Read(ref head), cluster!.Writer) });
        await announce.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private async Task<long> LockAndReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var take = new NpgsqlBatchCommand("SELECT sluice_stream_lock($1)");
        take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Definition.Name });
        batch.BatchCommands.Add(take);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT COALESCE(MAX(\"offset\") + 1, 0) FROM {table}"));
        await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
        await reader.NextResultAsync(CancellationToken.None);
        await reader.ReadAsync(CancellationToken.None);
        return reader.GetInt64(0);
    }

    /// <summary>Moves the head forward to <paramref name="next"/> (never back) and wakes readers when it moved.</summary>
    private void AdvanceHead(long next)
    {
        var current = Volatile.Read(ref head);
        while (next > current)
        {
            var seen = Interlocked.CompareExchange(ref head, next, current);
            if (seen == current)
            {
                NotifyAppended();
                return;
            }
            current = seen;
        }
    }

    /// <summary>Another node announced that this stream's head is now <paramref name="announced"/>: readers here read the new events from the table.</summary>
    internal void ObserveHead(long announced)
    {
        NoteOtherWriter();
        AdvanceHead(announced);
    }

    /// <summary>Reads the head back from the table (a node that may have missed announcements, or is taking over a query).</summary>
    public override async ValueTask RefreshHeadAsync(CancellationToken cancellationToken)
    {
        var stored = await EventTables.ReadHeadAsync(dataSource, Definition.Name, cancellationToken);
        if (stored > Volatile.Read(ref head))
        {
            // Someone else appended: the next cluster write reads the head under the lock.
            Volatile.Write(ref headIsOwn, false);
        }
        AdvanceHead(stored);
    }

    private Task<Dictionary<string, StoredAppendKey>> LoadStoredKeysAsync(List<PendingAppend> group, DateTimeOffset now)
    {
        var keys = group.Where(r => r.Conditions.Key is not null).Select(r => r.Conditions.Key!.Value).Distinct(StringComparer.Ordinal).ToList();
        return AppendKeyTable.LoadAsync(dataSource, Definition.Name, keys, now - idempotencyWindow, CancellationToken.None);
    }

    /// <summary>
    /// Keeps the events just committed in the tail as a read would return them (times in UTC at the microsecond precision
    /// of timestamptz), so readers at the head do not SELECT what we just wrote. The op stays beside the data here; the
    /// table holds the data as the API shows it (<see cref="EventCopy"/>), which a read returns with no op beside it.
    /// </summary>
    private void KeepCommitted(long first, DateTimeOffset ingestedAt, List<PendingAppend> group)
    {
        var storedIngestedAt = AsStored(ingestedAt);
        var offset = first;
        foreach (var request in group)
        {
            foreach (var e in request.Events)
            {
                KeepInTail(new StoredEvent(offset++, AsStored(e.Timestamp), storedIngestedAt, e.Data) { Op = e.Op }, e.Memo);
            }
        }
    }

    private static DateTimeOffset AsStored(DateTimeOffset value) =>
        new(BinaryCopyEncoder.FromPostgresMicroseconds(BinaryCopyEncoder.ToPostgresMicroseconds(value)), TimeSpan.Zero);

    public override async ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        var position = Position;
        var end = Math.Min(position.HeadOffset, from + (long)limit);
        if (end <= from)
        {
            return new ReadOutcome.Events([], position);
        }
        await using var command = dataSource.CreateCommand(selectRange);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = end });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<StoredEvent>((int)(end - from));
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new StoredEvent(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<byte[]>(3)));
        }
        return new ReadOutcome.Events(items, position);
    }

    internal async Task DropAsync(CancellationToken cancellationToken)
    {
        // Under the append lock and after every group in flight, so no write is half-way through when the table goes.
        await appendLock.WaitAsync(cancellationToken);
        try
        {
            var turn = await pipeline.WaitForTurnAsync(cancellationToken);
            try
            {
                await turn.PredecessorsFinished;
                await EventTables.DropAsync(dataSource, Definition.Name, cancellationToken);
                dropped = true;
            }
            finally
            {
                turn.Skipped();
            }
        }
        finally
        {
            appendLock.Release();
        }
    }

    private async Task ResyncHeadAsync()
    {
        var epoch = ownership?.Epoch ?? 0;
        var stored = await EventTables.ReadHeadAsync(dataSource, Definition.Name, CancellationToken.None);
        Volatile.Write(ref head, stored);
        reserved = stored;
        Volatile.Write(ref headUncertain, false);
        headEpoch = epoch;
        NotifyAppended();
    }
}
