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

    /// <summary>The rows of <paramref name="entries"/> into <paramref name="rows"/>: taken from the memo, or decoded and (when shared) kept.</summary>
    /// <remarks>
    /// Runs usually arrive at a fresh batch together, right after the append that woke them all. The first to miss
    /// decodes the rest of the batch under the memo's lock while the others wait for it and then find the rows,
    /// rather than every run decoding the same events at once.
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
        lock (memo.Gate)
        {
            for (; k < entries.Count; k++)
            {
                var entry = entries[k];
                if (memo.Get(entry) is not { } row)
                {
                    row = decoder.Decode(entry.Event.Data.Span);
                    memo.Set(entry, row);
                    decoded++;
                }
                rows[k] = row;
            }
            memo.CountComputed(decoded);
        }
    }
}
