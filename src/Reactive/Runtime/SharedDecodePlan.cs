using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Which columns of one stream's row layout are decoded into the rows its query runs share (<see cref="InputDecoder"/>):
/// the union of the columns the registered runs read, recomputed when a run registers or leaves. One per row memo
/// (<see cref="TailMemo{T}.Shared"/>), so every run reading the stream in that layout agrees on it.
/// </summary>
/// <remarks>
/// <para>A row in the memo was decoded under the plan its decoder read after it had the event, so it holds at least
/// that plan's columns. When a column joins the plan, rows already in the memo may lack it: the plan remembers, per
/// column, from which offset on every row in the memo holds it (<see cref="DecodePlan.ValidFrom"/>), and a run that
/// reads the column decodes the events below that offset itself instead of taking their shared row.</para>
/// <para>That offset is the stream's head read after the wider plan was published. A run decoding under the narrower
/// plan read that plan after reading the event, so the event lies below the head the widening read: every row for an
/// event at or above the offset was decoded under the wider plan (or attached whole by a writing query). While no run
/// has yet set out to keep a row in the memo, the offset is 0.</para>
/// <para>Narrowing is immediate: a row holding more columns than asked is still right for every reader.</para>
/// </remarks>
internal sealed class SharedDecodePlan
{
    private readonly StreamLog log;
    private readonly IReadOnlyList<ColumnInfo> columns;
    private readonly Lock sync = new();
    private readonly int[] readersOf;
    private volatile bool sharedBefore;
    private DecodePlan current;
    private TaskCompletionSource decoded = NewSource();
    private int waiting;

    public SharedDecodePlan(StreamLog log, IReadOnlyList<ColumnInfo> columns)
    {
        this.log = log;
        this.columns = columns;
        readersOf = new int[columns.Count];
        current = new DecodePlan(columns, new bool[columns.Count], Enumerable.Repeat(long.MaxValue, columns.Count).ToArray());
    }

    /// <summary>The plan now: decoders read it after they have the events they decode.</summary>
    public DecodePlan Current => Volatile.Read(ref current);

    /// <summary>A run reading the columns marked in <paramref name="reads"/> starts: they join the plan if they are not in it.</summary>
    public void Register(bool[] reads)
    {
        lock (sync)
        {
            var plan = current;
            var decodes = (bool[])plan.Decodes.Clone();
            var validFrom = (long[])plan.ValidFrom.Clone();
            var added = new List<int>();
            for (var c = 0; c < reads.Length; c++)
            {
                if (reads[c] && readersOf[c]++ == 0 && !decodes[c])
                {
                    decodes[c] = true;
                    added.Add(c);
                }
            }
            if (added.Count == 0)
            {
                return;
            }
            // Published with the new columns not trusted anywhere yet; then the head read after it bounds the stale rows.
            Interlocked.Exchange(ref current, new DecodePlan(columns, decodes, validFrom));
            // No run ever set out to share a row: whatever the memo holds was attached whole by a writer, and a run
            // starting to share now reads the plan just published (NoteSharing), so every row is good from offset 0.
            var head = sharedBefore ? log.Position.HeadOffset : 0;
            validFrom = (long[])validFrom.Clone();
            foreach (var c in added)
            {
                validFrom[c] = head;
            }
            Interlocked.Exchange(ref current, new DecodePlan(columns, decodes, validFrom));
        }
    }

    /// <summary>A run that <see cref="Register"/>ed with <paramref name="reads"/> has ended: columns nobody reads leave the plan.</summary>
    public void Unregister(bool[] reads)
    {
        lock (sync)
        {
            var plan = current;
            bool[]? decodes = null;
            long[]? validFrom = null;
            for (var c = 0; c < reads.Length; c++)
            {
                if (reads[c] && --readersOf[c] == 0)
                {
                    decodes ??= (bool[])plan.Decodes.Clone();
                    validFrom ??= (long[])plan.ValidFrom.Clone();
                    decodes[c] = false;
                    validFrom[c] = long.MaxValue;
                }
            }
            if (decodes is not null)
            {
                Interlocked.Exchange(ref current, new DecodePlan(columns, decodes, validFrom!));
            }
        }
    }

    /// <summary>A run is about to decode rows it may keep in the memo: called before it reads <see cref="Current"/>.</summary>
    public void NoteSharing()
    {
        if (!sharedBefore)
        {
            sharedBefore = true;
            // Pairs with the publication in Register: either that sees this, or this run reads the plan it published.
            Interlocked.MemoryBarrier();
        }
    }

    /// <summary>
    /// Completes after a run that decoded claimed events next calls <see cref="NotifyDecoded"/>. A caller takes it
    /// (which counts it as waiting), then checks the events it waits for, and awaits it only if they are still pending;
    /// it calls <see cref="StopWaiting"/> once done.
    /// </summary>
    public Task WaitForDecoded()
    {
        Interlocked.Increment(ref waiting);
        return Volatile.Read(ref decoded).Task;
    }

    public void StopWaiting() => Interlocked.Decrement(ref waiting);

    /// <summary>The caller has set (or released) the events it claimed: wakes the runs waiting for them, if any.</summary>
    public void NotifyDecoded()
    {
        // Pairs with the increment in WaitForDecoded: either this sees the waiter, or the waiter sees the rows set before.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref waiting) > 0)
        {
            Interlocked.Exchange(ref decoded, NewSource()).TrySetResult();
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One version of a <see cref="SharedDecodePlan"/>: the columns decoded, and from which offset every shared row holds each.</summary>
internal sealed class DecodePlan
{
    public DecodePlan(IReadOnlyList<ColumnInfo> columns, bool[] decodes, long[] validFrom)
    {
        Decodes = decodes;
        ValidFrom = validFrom;
        Decoder = new RowDecoder(columns, decodes);
    }

    public bool[] Decodes { get; }

    /// <summary>Per column: every row in the memo for an event at or above this offset holds the column (<see cref="long.MaxValue"/>: none is known to).</summary>
    public long[] ValidFrom { get; }

    /// <summary>Decodes this plan's columns.</summary>
    public RowDecoder Decoder { get; }
}
