namespace Sluice.Data.Streams;

/// <summary>
/// A reading position in one stream, the one way consumers (queries, live subscribers) read a stream in offset
/// order: replay and live delivery are the same loop, so there is no seam between them. Reads come from the
/// stream's shared tail (<see cref="StreamTail"/>) or, behind it, the store. A cursor is used by one consumer at a
/// time; <see cref="Next"/> may be read from any thread.
/// </summary>
public sealed class StreamCursor(StreamLog log, long next)
{
    private long next = next;

    public StreamLog Log { get; } = log;

    /// <summary>The offset of the next event this cursor will return.</summary>
    public long Next => Volatile.Read(ref next);

    /// <summary>True when a read would return something at once: events, a skipped range, or the stream's deletion.</summary>
    public bool HasNews
    {
        get
        {
            if (Log.IsClosed)
            {
                return true;
            }
            var position = Log.Position;
            var at = Next;
            return at < position.FirstRetainedOffset || at < position.HeadOffset;
        }
    }

    /// <summary>The next events (up to <paramref name="limit"/>), a skipped range or the deletion, waiting for an append when there is nothing new.</summary>
    public async ValueTask<CursorRead> ReadAsync(int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await TryReadAsync(limit, cancellationToken);
            if (read is not CursorRead.Empty)
            {
                return read;
            }
            await Log.WaitForOffsetAsync(Next, cancellationToken);
        }
    }

    /// <summary>As <see cref="ReadAsync"/>, but answers <see cref="CursorRead.Empty"/> at once when there is nothing new.</summary>
    public async ValueTask<CursorRead> TryReadAsync(int limit, CancellationToken cancellationToken)
    {
        if (Log.IsClosed)
        {
            return CursorRead.StreamDeleted;
        }
        var position = Log.Position;
        var from = Next;
        if (from < position.FirstRetainedOffset)
        {
            return SkipTo(from, position.FirstRetainedOffset);
        }
        if (from >= position.HeadOffset)
        {
            return CursorRead.NothingNew;
        }
        var read = await Log.Tail.ReadAsync(from, Math.Max(1, limit), cancellationToken);
        switch (read.Refused)
        {
            case ReadOutcome.Gone gone:
                return SkipTo(from, Math.Max(from, gone.FirstRetainedOffset));
            case ReadOutcome.NotFound:
                return CursorRead.StreamDeleted;
        }
        if (read.Entries.Length == 0)
        {
            return Log.IsClosed ? CursorRead.StreamDeleted : CursorRead.NothingNew;
        }
        Volatile.Write(ref next, read.Entries[^1].Offset + 1);
        return new CursorRead.Events(read.Entries);
    }

    /// <summary>Completes once <see cref="HasNews"/> holds for any of <paramref name="cursors"/> (the tail signals, no polling).</summary>
    public static async Task WhenAnyAsync(IReadOnlyList<StreamCursor> cursors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursors);
        if (cursors.Count == 1)
        {
            await cursors[0].Log.WaitForOffsetAsync(cursors[0].Next, cancellationToken);
            return;
        }
        // Cancel the waits that did not fire, so a quiet stream does not collect one waiter per wake-up of a busy one.
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = new Task[cursors.Count];
        for (var i = 0; i < cursors.Count; i++)
        {
            waits[i] = cursors[i].Log.WaitForOffsetAsync(cursors[i].Next, round.Token).AsTask();
        }
        await Task.WhenAny(waits);
        await round.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private CursorRead.Skipped SkipTo(long from, long to)
    {
        Volatile.Write(ref next, to);
        return new CursorRead.Skipped(from, to);
    }
}
