namespace Sluice.Reactive;

/// <summary>
/// Counters a running pipeline keeps up to date and the host reads (SPEC §6).
/// Written by the single thread that drives the query; read from any thread.
/// </summary>
public sealed class QueryStats
{
    private long eventsIn;
    private long rowsOut;
    private long lateEvents;
    private long stateSize;
    private long watermarkTicks = long.MinValue;
    private long rowErrors;
    private readonly Queue<RowError> recentRowErrors = new();
    private long stateRowLimit = long.MaxValue;

    public long EventsIn => Volatile.Read(ref eventsIn);

    public long RowsOut => Volatile.Read(ref rowsOut);

    public long LateEvents => Volatile.Read(ref lateEvents);

    /// <summary>Groups, windows and join entries currently held.</summary>
    public long StateSize => Volatile.Read(ref stateSize);

    /// <summary>The query's watermark (minimum over its inputs), or null before any event.</summary>
    public DateTime? Watermark
    {
        get
        {
            var ticks = Volatile.Read(ref watermarkTicks);
            return ticks == long.MinValue ? null : new DateTime(Math.Max(ticks, 0), DateTimeKind.Utc);
        }
    }

    /// <summary>How many times an expression failed on one row and yielded NULL instead (non-strict rows, SPEC §4).</summary>
    public long RowErrors => Volatile.Read(ref rowErrors);

    /// <summary>The last <see cref="MaxRecentRowErrors"/> row errors, oldest first.</summary>
    public IReadOnlyList<RowError> RecentRowErrors
    {
        get
        {
            lock (recentRowErrors) return [.. recentRowErrors];
        }
    }

    /// <summary>How many row errors <see cref="RecentRowErrors"/> keeps.</summary>
    public const int MaxRecentRowErrors = 5;

    /// <summary>Counts a row error and keeps it among the recent ones.</summary>
    public void AddRowError(RowError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Interlocked.Increment(ref rowErrors);
        lock (recentRowErrors)
        {
            if (recentRowErrors.Count == MaxRecentRowErrors) recentRowErrors.Dequeue();
            recentRowErrors.Enqueue(error);
        }
    }

    // The counters have one writer, the thread driving the pipeline (readers on other threads see a whole long through
    // Volatile.Read), so an add is a plain read and a release store: an interlocked add per input event and per output
    // row was a locked instruction, a full fence, which kept the out-of-order core from overlapping the cache misses of
    // the rows before and after it (Nexmark q16: three per bid).
    public void AddEventsIn(long count) => Volatile.Write(ref eventsIn, eventsIn + count);

    public void AddRowsOut(long count) => Volatile.Write(ref rowsOut, rowsOut + count);

    public void AddLateEvents(long count) => Volatile.Write(ref lateEvents, lateEvents + count);

    /// <summary>
    /// Most state entries the query may hold (<see cref="QueryLimits.StateRows"/>); set by <see cref="CompiledQuery.Build"/>.
    /// </summary>
    public long StateRowLimit
    {
        get => Volatile.Read(ref stateRowLimit);
        set => Volatile.Write(ref stateRowLimit, value <= 0 ? long.MaxValue : value);
    }

    /// <summary>
    /// Every operator reports its state here, so this is the one place the state limit is enforced: growing past
    /// <see cref="StateRowLimit"/> throws <see cref="QueryLimitException"/>, which ends the pipeline with OnError
    /// (the operator's catch forwards it), and the query's state is released with its pipeline.
    /// </summary>
    public void AddStateSize(long delta)
    {
        var size = stateSize + delta;
        Volatile.Write(ref stateSize, size);
        if (delta > 0 && size > stateRowLimit)
        {
            throw new QueryLimitException(
                $"The query holds more than {stateRowLimit:N0} state entries (groups, windows or join rows), the limit set by {QueryLimits.StateRowsSetting}; " +
                "add a window, a tighter GROUP BY or a join condition, or raise the limit.");
        }
    }

    public void SetWatermark(DateTime watermark) => Volatile.Write(ref watermarkTicks, watermark.Ticks);

    /// <summary>The counters a checkpoint keeps (state size is not one: restored operators report theirs again).</summary>
    internal void WriteCounters(BinaryWriter writer)
    {
        writer.Write(EventsIn);
        writer.Write(RowsOut);
        writer.Write(LateEvents);
        writer.Write(RowErrors);
        writer.Write(Volatile.Read(ref watermarkTicks));
    }

    internal void ReadCounters(BinaryReader reader)
    {
        Volatile.Write(ref eventsIn, reader.ReadInt64());
        Volatile.Write(ref rowsOut, reader.ReadInt64());
        Volatile.Write(ref lateEvents, reader.ReadInt64());
        Volatile.Write(ref rowErrors, reader.ReadInt64());
        Volatile.Write(ref watermarkTicks, reader.ReadInt64());
    }
}

/// <summary>An expression that failed on one row: what went wrong, and the input event being processed when it did.</summary>
/// <param name="Message">What failed and where, e.g. <c>Division by zero (in SELECT list)</c>.</param>
/// <param name="Stream">The input stream whose event was being processed, when known.</param>
/// <param name="Offset">That event's offset in its stream, when known.</param>
public sealed record RowError(string Message, string? Stream, long? Offset);
