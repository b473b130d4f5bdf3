namespace Sluice.Data.Streams;

/// <summary>An event accepted by ingest, not yet given an offset. <paramref name="Data"/> is one UTF-8 JSON object.</summary>
public readonly record struct NewEvent(DateTimeOffset Timestamp, ReadOnlyMemory<byte> Data)
{
    /// <summary>
    /// What the writer already knows about the event (a query's output row), attached to its tail entry when it is
    /// appended, so that consumers need not derive it from <see cref="Data"/> again. Not stored; optional.
    /// </summary>
    public EventMemo? Memo { get; init; }

    /// <summary>The changelog op of the event, beside <see cref="Data"/> (which then has no <c>op</c> field); stored.</summary>
    public EventOp Op { get; init; }
}

/// <summary>
/// An event as stored: its offset, event time, ingest time and UTF-8 JSON payload, and the changelog op kept beside the
/// payload (<see cref="EventOp"/>); the data as the API shows it is <see cref="EventOps.WireData(StoredEvent)"/>.
/// </summary>
public sealed record StoredEvent(long Offset, DateTimeOffset Timestamp, DateTimeOffset IngestedAt, ReadOnlyMemory<byte> Data)
{
    /// <summary>The changelog op beside <see cref="Data"/>; <see cref="EventOp.None"/> when none is known (see <see cref="EventOp"/>).</summary>
    public EventOp Op { get; init; }
}

/// <summary>What an append assigned: offsets <c>FirstOffset..LastOffset</c>, inclusive.</summary>
public sealed record AppendResult(long FirstOffset, long LastOffset, int Count);

/// <summary>The state of a stream's log right now.</summary>
/// <param name="HeadOffset">The offset the next appended event will get (= events ever appended).</param>
/// <param name="FirstRetainedOffset">The lowest offset still readable.</param>
public readonly record struct LogPosition(long HeadOffset, long FirstRetainedOffset)
{
    public long Count => HeadOffset - FirstRetainedOffset;
}

/// <summary>The answer to a range read.</summary>
public abstract record ReadOutcome
{
    private ReadOutcome() { }

    public sealed record Events(IReadOnlyList<StoredEvent> Items, LogPosition Position) : ReadOutcome;

    /// <summary><c>from</c> was below the first retained offset.</summary>
    public sealed record Gone(long FirstRetainedOffset) : ReadOutcome;

    public sealed record NotFound : ReadOutcome;
}
