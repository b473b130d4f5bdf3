using System.Collections.Concurrent;
using Npgsql;
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

    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly string table;
    private readonly string selectRange;
    private readonly SemaphoreSlim appendLock = new(1, 1);
    private readonly ConcurrentQueue<PendingAppend> queue = new();
    private long head;
    private bool headUncertain;
    private bool dropped;

    public PostgresStreamLog(StreamDefinition definition, NpgsqlDataSource dataSource, TimeProvider time, long head)
        : base(definition)
    {
        this.dataSource = dataSource;
        this.time = time;
        this.head = head;
        table = EventTables.QualifiedName(definition.Name);
        selectRange = $"SELECT \"offset\", event_time, ingested_at, data FROM {table} WHERE \"offset\" >= $1 AND \"offset\" < $2 ORDER BY \"offset\"";
    }

    // No retention yet: every event ever appended stays readable.
    public override LogPosition Position => new(Volatile.Read(ref head), 0);

    public override async ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            var at = Volatile.Read(ref head);
            return new AppendResult(at, at - 1, 0);
        }
        using var request = new PendingAppend(events, cancellationToken);
        queue.Enqueue(request);
        bool locked;
        try
        {
            // Ends early when another lock holder writes our request, so finished callers do not queue for the lock.
            await appendLock.WaitAsync(request.LockWait.Token);
            locked = true;
        }
        catch (OperationCanceledException)
        {
            locked = false;
        }
        if (locked)
        {
            try
            {
                while (!request.Committed.IsCompleted)
                {
                    await WriteQueuedAsync();
                }
            }
            finally
            {
                appendLock.Release();
            }
        }
        else if (cancellationToken.IsCancellationRequested && request.TryAbandon())
        {
            throw new OperationCanceledException(cancellationToken);
        }
        var first = await request.Committed;
        return new AppendResult(first, first + events.Count - 1, events.Count);
    }

    /// <summary>Writes the queued requests (up to <see cref="MaxGroupEvents"/>) in one COPY; runs under the lock.</summary>
    private async Task WriteQueuedAsync()
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
        if (group.Count == 0)
        {
            return;
        }
        try
        {
            ObjectDisposedException.ThrowIf(dropped, this);
            if (headUncertain)
            {
                await ResyncHeadAsync();
            }
            var first = head;
            var ingestedAt = time.GetUtcNow();
            // The write runs to the end regardless of callers giving up: an abandoned COPY or commit
            // would leave us unsure what the table holds.
            try
            {
                await EventCopy.WriteAsync(dataSource, table, first, ingestedAt, group, CancellationToken.None);
            }
            catch
            {
                // The commit may or may not have happened (the connection broke during it, say): read the head back before the next write.
                headUncertain = true;
                throw;
            }
            KeepCommitted(first, ingestedAt, group);
            Volatile.Write(ref head, first + count);
            NotifyAppended();
            foreach (var request in group)
            {
                request.Complete(first);
                first += request.Events.Count;
            }
        }
        catch (Exception ex)
        {
            foreach (var request in group)
            {
                request.Fail(ex);
            }
        }
    }

    /// <summary>
    /// Keeps the events just committed in the tail as a read would return them (times in UTC at the microsecond precision
    /// of timestamptz), so readers at the head do not SELECT what we just wrote.
    /// </summary>
    private void KeepCommitted(long first, DateTimeOffset ingestedAt, List<PendingAppend> group)
    {
        var storedIngestedAt = AsStored(ingestedAt);
        var offset = first;
        foreach (var request in group)
        {
            foreach (var e in request.Events)
            {
                KeepInTail(new StoredEvent(offset++, AsStored(e.Timestamp), storedIngestedAt, e.Data), e.Memo);
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
        // Under the append lock, so no write is half-way through when the table goes.
        await appendLock.WaitAsync(cancellationToken);
        try
        {
            await EventTables.DropAsync(dataSource, Definition.Name, cancellationToken);
            dropped = true;
        }
        finally
        {
            appendLock.Release();
        }
    }

    private async Task ResyncHeadAsync()
    {
        var stored = await EventTables.ReadHeadAsync(dataSource, Definition.Name, CancellationToken.None);
        Volatile.Write(ref head, stored);
        headUncertain = false;
        NotifyAppended();
    }
}
