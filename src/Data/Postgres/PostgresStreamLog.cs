using Npgsql;
using NpgsqlTypes;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// One postgres stream. Appends hold the stream's lock across the write and its commit, so offsets
/// are gapless and in lock order; the in-memory head advances only after the commit, so a reader
/// (which never reads past the head) cannot skip an event whose transaction commits late.
/// </summary>
internal sealed class PostgresStreamLog : StreamLog
{
    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly string table;
    private readonly string selectRange;
    private readonly SemaphoreSlim appendLock = new(1, 1);
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
        await appendLock.WaitAsync(cancellationToken);
        long first;
        try
        {
            ObjectDisposedException.ThrowIf(dropped, this);
            if (headUncertain)
            {
                await ResyncHeadAsync();
            }
            first = head;
            // Once the write has started it runs to the end regardless of the caller: an abandoned COPY
            // or commit would leave us unsure what the table holds.
            try
            {
                await EventCopy.WriteAsync(dataSource, table, first, time.GetUtcNow(), events, CancellationToken.None);
            }
            catch
            {
                // The commit may or may not have happened (e.g. the connection broke during it): read the head back before the next append.
                headUncertain = true;
                throw;
            }
            Volatile.Write(ref head, first + events.Count);
        }
        finally
        {
            appendLock.Release();
        }
        NotifyAppended();
        return new AppendResult(first, first + events.Count - 1, events.Count);
    }

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
        // Under the append lock, so no append is half-way through when the table goes.
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
