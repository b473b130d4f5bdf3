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
/// <para>Only the columns some running query reads are decoded (<see cref="QueryInput.Reads"/>; the others stay NULL
/// and their JSON is skipped): the runs of a layout share a <see cref="SharedDecodePlan"/>, the union of what they read.
/// A run whose columns joined the plan after some rows were decoded decodes the events below the point where the plan
/// grew itself, and takes shared rows from there on.</para>
/// <para>Rows are shared between runs, as the engine already shares one row between the inputs of a query that reads a
/// stream twice: operators never write to an input row. With a single reader, rows are not kept (keeping them would
/// only make them outlive gen0 for nothing) unless a writer attached them.</para>
/// </remarks>
public sealed class InputDecoder
{
    private readonly TailMemo<object?[]> memo;
    private readonly IReadOnlyList<ColumnInfo> columns;
    private readonly bool[] reads;
    private readonly SharedDecodePlan plan;
    private Resolved resolved;

    /// <summary>A decoder of every column of <paramref name="columns"/>.</summary>
    public InputDecoder(StreamLog log, IReadOnlyList<ColumnInfo> columns)
        : this(log, columns, null)
    {
    }

    /// <summary>A decoder for a run that reads the columns marked in <paramref name="reads"/> (null: all of them).</summary>
    public InputDecoder(StreamLog log, IReadOnlyList<ColumnInfo> columns, IReadOnlyList<bool>? reads)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(columns);
        if (reads is not null && reads.Count != columns.Count)
        {
            throw new ArgumentException("One flag per column is needed.", nameof(reads));
        }
        this.columns = columns;
        this.reads = reads?.ToArray() ?? Enumerable.Repeat(true, columns.Count).ToArray();
        memo = log.Tail.Memo<object?[]>(MemoName(columns));
        plan = memo.Shared(() => new SharedDecodePlan(log, columns));
        resolved = Resolve(plan.Current);
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
    public void AddReader()
    {
        plan.Register(reads);
        memo.AddUser();
    }

    /// <summary>A run that called <see cref="AddReader"/> has ended.</summary>
    public void RemoveReader()
    {
        memo.RemoveUser();
        plan.Unregister(reads);
    }

    /// <summary>
    /// A run starts reading through this layout from offset <paramref name="from"/> and reports each batch it has decoded
    /// (<see cref="Passed"/>), so rows every such run has taken are dropped from the tail and die young.
    /// </summary>
    public TailMemoReader Join(long from)
    {
        plan.Register(reads);
        return memo.Join(from);
    }

    /// <summary>A run that <see cref="Join"/>ed has ended.</summary>
    public void Leave(TailMemoReader reader)
    {
        if (memo.Leave(reader))
        {
            plan.Unregister(reads);
        }
    }

    /// <summary>The run of <paramref name="reader"/> holds the rows of <paramref name="entries"/>: the tail need not keep them for it.</summary>
    public void Passed(TailMemoReader reader, IReadOnlyList<TailEntry> entries) => memo.Passed(reader, entries);

    /// <summary>The rows of <paramref name="entries"/> into <paramref name="rows"/>: taken from the memo, or decoded and (when shared) kept.</summary>
    /// <remarks>Blocks while another run finishes an event it claimed; runs use <see cref="DecodeAsync"/>, which awaits instead.</remarks>
    public void Decode(IReadOnlyList<TailEntry> entries, object?[][] rows)
    {
        var pending = DecodeAsync(entries, rows, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The rows of <paramref name="entries"/> into <paramref name="rows"/>: taken from the memo, or decoded and (when shared) kept.</summary>
    /// <remarks>
    /// Runs usually arrive at a fresh batch together, right after the append that woke them all. Each claims the
    /// events nobody decodes yet and decodes those, so the runs split a batch's decoding between them (on two cores,
    /// in parallel); then each picks up the rows the others decoded. When one of those is still being decoded (its run
    /// was preempted in the middle of its share), the run awaits the moment that run is done with its share instead
    /// of spinning: its thread goes back to the pool meanwhile. Completes synchronously when nothing is pending.
    /// </remarks>
    public ValueTask DecodeAsync(IReadOnlyList<TailEntry> entries, object?[][] rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(rows);
        var shared = memo.Users > 1;
        if (shared)
        {
            plan.NoteSharing();
        }
        // Read after the entries: see SharedDecodePlan on why that makes the rows of the plan read here safe to share.
        var current = Current();
        var decoder = current.Decoder;
        var trustFrom = current.TrustFrom;
        var k = 0;
        for (; k < entries.Count && entries[k].Offset >= trustFrom && memo.Get(entries[k]) is { } known; k++)
        {
            rows[k] = known;
        }
        if (k == entries.Count)
        {
            return ValueTask.CompletedTask;
        }
        var decoded = 0;
        if (!shared)
        {
            for (; k < entries.Count; k++)
            {
                var entry = entries[k];
                if (entry.Offset < trustFrom || memo.Get(entry) is not { } row)
                {
                    row = decoder.Decode(entry.Event);
                    decoded++;
                }
                rows[k] = row;
            }
            memo.CountComputed(decoded);
            return ValueTask.CompletedTask;
        }
        var othersFrom = -1;
        var claimed = false;
        try
        {
            for (; k < entries.Count; k++)
            {
                var entry = entries[k];
                if (entry.Offset < trustFrom)
                {
                    // The shared row may lack a column this run reads (it joined the plan later): decode for this run alone.
                    rows[k] = decoder.Decode(entry.Event);
                    decoded++;
                }
                else if (memo.Get(entry) is { } known)
                {
                    rows[k] = known;
                }
                else if (memo.TryClaim(entry))
                {
                    claimed = true;
                    rows[k] = DecodeClaimed(decoder, entry);
                    decoded++;
                }
                else
                {
                    // Another run is decoding it: picked up below, once this run's own share is done.
                    rows[k] = null!;
                    othersFrom = othersFrom < 0 ? k : othersFrom;
                }
            }
        }
        finally
        {
            memo.CountComputed(decoded);
            if (claimed)
            {
                plan.NotifyDecoded();
            }
        }
        return othersFrom < 0 ? ValueTask.CompletedTask : AwaitOthersAsync(decoder, entries, rows, othersFrom, cancellationToken);
    }

    /// <summary>Fills in the rows other runs claimed, awaiting those runs when they have not finished their share yet.</summary>
    private async ValueTask AwaitOthersAsync(RowDecoder decoder, IReadOnlyList<TailEntry> entries, object?[][] rows, int from, CancellationToken cancellationToken)
    {
        for (var k = from; k < entries.Count; k++)
        {
            if (rows[k] is not null)
            {
                continue;
            }
            var entry = entries[k];
            while (true)
            {
                var done = plan.WaitForDecoded();
                try
                {
                    if (memo.Get(entry) is { } row)
                    {
                        rows[k] = row;
                        break;
                    }
                    if (!memo.IsPending(entry) && memo.TryClaim(entry))
                    {
                        // The other run gave it up (its decoding failed): decode it here, and fail here too if it is malformed.
                        try
                        {
                            rows[k] = DecodeClaimed(decoder, entry);
                        }
                        finally
                        {
                            plan.NotifyDecoded();
                        }
                        memo.CountComputed(1);
                        break;
                    }
                    await done.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    plan.StopWaiting();
                }
            }
        }
    }

    private object?[] DecodeClaimed(RowDecoder decoder, TailEntry entry)
    {
        object?[] row;
        try
        {
            row = decoder.Decode(entry.Event);
        }
        catch
        {
            memo.Release(entry);
            throw;
        }
        memo.Set(entry, row);
        return row;
    }

    /// <summary>The decoder and trusted offset for the shared plan now, worked out again only when the plan has changed.</summary>
    private Resolved Current()
    {
        var now = plan.Current;
        var known = resolved;
        if (ReferenceEquals(known.Plan, now))
        {
            return known;
        }
        known = Resolve(now);
        resolved = known;
        return known;
    }

    private Resolved Resolve(DecodePlan current)
    {
        var trustFrom = 0L;
        var covered = true;
        for (var c = 0; c < reads.Length; c++)
        {
            if (reads[c])
            {
                trustFrom = Math.Max(trustFrom, current.ValidFrom[c]);
                covered &= current.Decodes[c];
            }
        }
        if (covered)
        {
            return new Resolved(current, current.Decoder, trustFrom);
        }
        // A run that did not register (or not yet): its own columns beside the plan's, so a row it shares still holds the plan's.
        var union = new bool[reads.Length];
        for (var c = 0; c < union.Length; c++)
        {
            union[c] = reads[c] || current.Decodes[c];
        }
        return new Resolved(current, new RowDecoder(columns, union), trustFrom);
    }

    /// <summary>What this decoder works with under one version of the shared plan.</summary>
    private sealed record Resolved(DecodePlan Plan, RowDecoder Decoder, long TrustFrom);
}
