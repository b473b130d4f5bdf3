namespace Sluice.Data.Memory;

/// <summary>
/// The bytes all memory streams together may hold (<c>Limits:MemoryStreamBytes</c>, SPEC §8). Each stream reserves what
/// an append adds (the payload slabs it allocates and the slots its ring grows by, less the slabs its evictions free),
/// and releases it when slabs are freed or the stream is deleted: the bytes counted are the arrays the stream holds.
/// The evicted slabs that streams keep pooled for reuse (<see cref="PayloadSlabPool"/>) count too, but yield: an append
/// that would not fit first makes the pools drop slabs. An append or a create that still would not fit throws
/// <see cref="MemoryStreamBudgetExceededException"/> and changes nothing.
/// </summary>
/// <remarks>
/// One lock guards the two counters, so that what streams hold (<see cref="Used"/>) reads exactly while slabs move in
/// and out of pools on other threads; it is taken once per append, not per event.
/// </remarks>
public sealed class MemoryStreamBudget(long limit)
{
    /// <summary>A ring slot: one retained event's payload range and times (<see cref="EventSlot"/>).</summary>
    public const int SlotBytes = EventSlot.Bytes;

    private readonly Lock sync = new();
    private readonly List<PayloadSlabPool> pools = [];
    // Held by streams plus pooled: what the limit is checked against.
    private long counted;
    private long pooled;

    public static MemoryStreamBudget Unlimited { get; } = new(long.MaxValue);

    public long Limit { get; } = limit;

    /// <summary>Bytes held by all memory streams now (their slots and slabs; not the pooled slabs).</summary>
    public long Used => Snapshot().Used;

    /// <summary>Bytes of the evicted slabs that streams keep pooled for reuse now, counted against the limit beside <see cref="Used"/>.</summary>
    public long Pooled => Snapshot().Pooled;

    /// <summary>What streams hold and what pools hold, read together.</summary>
    internal (long Used, long Pooled) Snapshot()
    {
        lock (sync)
        {
            return (counted - pooled, pooled);
        }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> if they fit, after making pools drop slabs if that is what it takes, or throws
    /// naming the budget (for <paramref name="stream"/>).
    /// </summary>
    public void Reserve(long bytes, string stream)
    {
        if (TryReserve(bytes) || (ReclaimPooled(bytes) && TryReserve(bytes)))
        {
            return;
        }
        throw new MemoryStreamBudgetExceededException(stream, bytes, Used, Limit);
    }

    /// <summary>Takes <paramref name="bytes"/> even past the budget: for streams reopened at start-up, which must open.</summary>
    public void ReserveAnyway(long bytes)
    {
        lock (sync)
        {
            counted += bytes;
        }
    }

    public void Release(long bytes)
    {
        lock (sync)
        {
            counted -= bytes;
        }
    }

    /// <summary>Asks <paramref name="pool"/> for its slabs when an append needs room, until <see cref="Unregister"/>.</summary>
    internal void Register(PayloadSlabPool pool)
    {
        if (Limit == long.MaxValue)
        {
            // Nothing is ever refused, so nothing is ever reclaimed: keeping every pool here would only keep it alive.
            return;
        }
        lock (sync)
        {
            pools.Add(pool);
        }
    }

    internal void Unregister(PayloadSlabPool pool)
    {
        lock (sync)
        {
            pools.Remove(pool);
        }
    }

    /// <summary>Counts a slab going into a pool, if it fits; otherwise the pool drops it.</summary>
    internal bool TryReservePooled(long bytes)
    {
        lock (sync)
        {
            if (counted + bytes > Limit)
            {
                return false;
            }
            counted += bytes;
            pooled += bytes;
            return true;
        }
    }

    /// <summary>A slab left a pool: dropped, or taken by its stream (which has reserved it as a new slab).</summary>
    internal void ReleasePooled(long bytes)
    {
        lock (sync)
        {
            counted -= bytes;
            pooled -= bytes;
        }
    }

    private bool TryReserve(long bytes)
    {
        lock (sync)
        {
            if (counted + bytes > Limit)
            {
                return false;
            }
            counted += bytes;
            return true;
        }
    }

    /// <summary>Makes pools drop slabs until <paramref name="bytes"/> more would fit or none is left; whether any was dropped.</summary>
    private bool ReclaimPooled(long bytes)
    {
        PayloadSlabPool[] snapshot;
        long shortfall;
        lock (sync)
        {
            if (pooled == 0)
            {
                return false;
            }
            snapshot = [.. pools];
            shortfall = counted + bytes - Limit;
        }
        long dropped = 0;
        // Outside the lock: a pool releases each slab it drops through ReleasePooled.
        foreach (var pool in snapshot)
        {
            if (dropped >= shortfall)
            {
                break;
            }
            dropped += pool.Drop(shortfall - dropped);
        }
        return dropped > 0;
    }
}

/// <summary>An append to (or the creation of) a memory stream would take memory streams past <see cref="MemoryStreamBudget.Limit"/>.</summary>
public sealed class MemoryStreamBudgetExceededException(string stream, long requested, long used, long limit)
    : Exception($"Memory streams hold {used:N0} of the {limit:N0} bytes they may use together (Limits:MemoryStreamBytes); " +
                $"the {requested:N0} bytes more that stream '{stream}' needs would pass it. Nothing was appended. " +
                "Delete memory streams or lower their capacity, or use postgres streams.")
{
    public string Stream { get; } = stream;

    public long Limit { get; } = limit;
}
