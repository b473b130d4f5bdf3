using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Turns one stream's events into rows of one column layout, once per event whatever the number of query runs
/// reading the stream in that layout: a row is a memo on the event's tail entry (<see cref="StreamTail"/>), named
/// after the layout. A stream with a schema gives every query the same layout (all its declared columns), so Nexmark
/// q0, q1 and q2 decode each bid once between them; a query writing its output attaches its rows in its readers'
/// layout (<see cref="OutputRowMemo"/>), so downstream queries decode nothing.
/// </summary>
/// <remarks>
/// Rows are shared between runs, as the engine already shares one row between the inputs of a query that reads a
/// stream twice: operators never write to an input row. With a single reader, rows are not kept (keeping them would
/// only make them outlive gen0 for nothing) unless a writer attached them.
/// </remarks>
public sealed class InputDecoder
{
    private readonly RowDecoder decoder;
    private readonly TailMemo<object?[]> memo;

    public InputDecoder(StreamLog log, IReadOnlyList<ColumnInfo> columns)
    {
        ArgumentNullException.ThrowIfNull(log);
        decoder = new RowDecoder(columns);
        memo = log.Tail.Memo<object?[]>(MemoName(columns));
    }

    /// <summary>Events of this stream decoded into this layout so far, by all runs together.</summary>
    public long Decoded => memo.Computed;

    /// <summary>The name of the tail memo holding rows in <paramref name="columns"/>' layout.</summary>
    public static string MemoName(IReadOnlyList<ColumnInfo> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        // Names are matched case-sensitively first by the decoder, so the layout keeps their case.
        return "rows:" + string.Join('\u001f', columns.Select(c => $"{c.Name}\u001e{(int)c.Type}"));
    }

    /// <summary>A run starts reading through this layout.</summary>
    public void AddReader() => memo.AddUser();

    /// <summary>A run that called <see cref="AddReader"/> has ended.</summary>
    public void RemoveReader() => memo.RemoveUser();

    /// <summary>
    /// A run starts reading through this layout from offset <paramref name="from"/> and reports each batch it has decoded
    /// (<see cref="Passed"/>), so rows every such run has taken are dropped from the tail and die young.
    /// </summary>
    public TailMemoReader Join(long from) => memo.Join(from);

    /// <summary>A run that <see cref="Join"/>ed has ended.</summary>
    public void Leave(TailMemoReader reader) => memo.Leave(reader);

    /// <summary>The run of <paramref name="reader"/> holds the rows of <paramref name="entries"/>: the tail need not keep them for it.</summary>
    public void Passed(TailMemoReader reader, IReadOnlyList<TailEntry> entries) => memo.Passed(reader, entries);

    /// <summary>The rows of <paramref name="entries"/> into <paramref name="rows"/>: taken from the memo, or decoded and (when shared) kept.</summary>
    /// <remarks>
    /// Runs usually arrive at a fresh batch together, right after the append that woke them all. Each claims the
    /// events nobody decodes yet and decodes those, so the runs split a batch's decoding between them (on two cores,
    /// in parallel); then each picks up the rows the others decoded. A run never waits for more than the one event
    /// another run is decoding, where a lock around the whole batch had the others spin for all of it (about a tenth
    /// of the service's CPU with Nexmark q0, q1 and q2 together, docs/benchmarks.md).
    /// </remarks>
    public void Decode(IReadOnlyList<TailEntry> entries, object?[][] rows)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(rows);
        var k = 0;
        for (; k < entries.Count && memo.Get(entries[k]) is { } known; k++)
        {
            rows[k] = known;
        }
        if (k == entries.Count)
        {
            return;
        }
        var decoded = 0;
        if (memo.Users <= 1)
        {
            for (; k < entries.Count; k++)
            {
                if (memo.Get(entries[k]) is not { } row)
                {
                    row = decoder.Decode(entries[k].Event.Data.Span);
                    decoded++;
                }
                rows[k] = row;
            }
            memo.CountComputed(decoded);
            return;
        }
        var othersFrom = -1;
        for (; k < entries.Count; k++)
        {
            var entry = entries[k];
            if (memo.Get(entry) is { } known)
            {
                rows[k] = known;
            }
            else if (memo.TryClaim(entry))
            {
                rows[k] = DecodeClaimed(entry);
                decoded++;
            }
            else
            {
                // Another run is decoding it: picked up below, once this run's own share is done.
                rows[k] = null!;
                othersFrom = othersFrom < 0 ? k : othersFrom;
            }
        }
        memo.CountComputed(decoded);
        for (k = Math.Max(othersFrom, 0); othersFrom >= 0 && k < entries.Count; k++)
        {
            rows[k] ??= AwaitOther(entries[k]);
        }
    }

    private object?[] DecodeClaimed(TailEntry entry)
    {
        object?[] row;
        try
        {
            row = decoder.Decode(entry.Event.Data.Span);
        }
        catch
        {
            memo.Release(entry);
            throw;
        }
        memo.Set(entry, row);
        return row;
    }

    /// <summary>The row another run claimed: it is decoding that one event now, so spin until it is there.</summary>
    private object?[] AwaitOther(TailEntry entry)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            if (memo.Get(entry) is { } row)
            {
                return row;
            }
            if (!memo.IsPending(entry) && memo.TryClaim(entry))
            {
                // The other run gave it up (its decoding failed): decode it here, and fail here too if it is malformed.
                row = DecodeClaimed(entry);
                memo.CountComputed(1);
                return row;
            }
            spinner.SpinOnce();
        }
    }
}
