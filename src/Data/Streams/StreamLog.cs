namespace Sluice.Data.Streams;

/// <summary>
/// One stream's append-only log inside an engine. Offsets are assigned by the log, gapless,
/// and become visible to readers only once the events are stored (and committed, for PostgreSQL),
/// so a reader can never skip an event that commits late.
/// </summary>
public abstract class StreamLog
{
    private readonly TailSignal tail = new();

    protected StreamLog(StreamDefinition definition)
    {
        Definition = definition;
        Tail = new StreamTail(this, Math.Min(StreamTail.DefaultCapacity, definition.Capacity ?? int.MaxValue));
    }

    /// <summary>The stream's definition; replaced only through <see cref="StreamStore.RedefineAsync"/> (a replaced query's output schema).</summary>
    public StreamDefinition Definition { get; internal set; }

    public abstract LogPosition Position { get; }

    /// <summary>Appends all events atomically and returns their offsets once they are durable for this engine.</summary>
    public abstract ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Appends all events atomically when <paramref name="conditions"/> allow it: a known idempotency key
    /// answers with the first append's result (or refuses another body), and an expected offset other than
    /// the stream's next one refuses the append. The engines check and append under the stream's lock;
    /// a log that does not override this takes no conditions.
    /// </summary>
    public virtual async ValueTask<AppendOutcome> AppendAsync(IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken)
    {
        if (conditions.Key is not null || conditions.ExpectedOffset is not null)
        {
            throw new NotSupportedException($"{GetType().Name} does not support idempotency keys or expected offsets.");
        }
        return new AppendOutcome.Appended(await AppendAsync(events, cancellationToken), Replayed: false);
    }

    /// <summary>Re-reads the head from the store, for a log that other processes append to (a postgres stream in a cluster); nothing to do otherwise.</summary>
    public virtual ValueTask RefreshHeadAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Reads up to <paramref name="limit"/> events from <paramref name="from"/>, in offset order.</summary>
    public abstract ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken);

    /// <summary>The stream's recent events, shared by its cursors.</summary>
    public StreamTail Tail { get; }

    /// <summary>
    /// True when an append copies the events' data before it completes, so the caller may reuse the buffers it passed
    /// (a memory stream copies payloads into its slabs; a postgres stream keeps the caller's bytes in its tail).
    /// </summary>
    public virtual bool CopiesAppendedData => false;

    /// <summary>
    /// True for a log that holds its retained events in memory and can copy them out at once (<see cref="ReadHeld"/>):
    /// while no cursor reads near its head (<see cref="StreamTail.IsFollowed"/>) it keeps in its tail only the events
    /// appended with a memo, and the tail makes the entry of any other event when a cursor first reads it. A stream
    /// nobody reads (most query outputs) then costs no tail entry per event.
    /// </summary>
    internal virtual bool ReadsInPlace => false;

    /// <summary>
    /// For a log that <see cref="ReadsInPlace"/>: copies the events from <paramref name="from"/> (below the head) into
    /// <paramref name="into"/>, as many as fit and exist, and returns how many; or -1 when <paramref name="from"/> was
    /// evicted, with the first retained offset in <paramref name="retainedFrom"/>. Never waits.
    /// </summary>
    internal virtual int ReadHeld(long from, Span<StoredEvent?> into, out long retainedFrom) =>
        throw new NotSupportedException($"{GetType().Name} does not read in place.");

    /// <summary>A cursor reading this stream from <paramref name="from"/>.</summary>
    public StreamCursor OpenCursor(long from) => new(this, from);

    /// <summary>Completes once an event with offset <paramref name="offset"/> is readable (or the log is closed).</summary>
    public ValueTask WaitForOffsetAsync(long offset, CancellationToken cancellationToken)
    {
        // Take the signal before checking the head, so an append in between still wakes us.
        var pending = tail.Current;
        if (Position.HeadOffset > offset || tail.IsClosed)
        {
            return ValueTask.CompletedTask;
        }
        return new ValueTask(pending.WaitAsync(cancellationToken));
    }

    /// <summary>True once the stream is deleted; waiters are released and should stop.</summary>
    public bool IsClosed => tail.IsClosed;

    /// <summary>
    /// Engines call this for each event they stored (committed), in offset order and before the head moves past it,
    /// so readers at the head find it in memory.
    /// </summary>
    protected void KeepInTail(StoredEvent stored, EventMemo? memo) => Tail.Add(stored, memo);

    /// <summary>Engines call this after new events became readable.</summary>
    protected void NotifyAppended() => tail.Pulse();

    /// <summary>Why the log was closed, when it was not simply deleted (readers pass it on); null otherwise.</summary>
    public string? ClosedReason { get; private set; }

    internal void Close(string? reason = null)
    {
        ClosedReason = reason;
        tail.Close();
    }
}
