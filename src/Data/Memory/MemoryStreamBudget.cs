namespace Sluice.Data.Memory;

/// <summary>
/// The bytes all memory streams together may hold (<c>Limits:MemoryStreamBytes</c>, SPEC §8). Each stream reserves what
/// an append adds (the payload slabs it allocates and the slots its ring grows by, less the slabs its evictions free),
/// and releases it when slabs are freed or the stream is deleted: the bytes counted are the arrays the stream holds.
/// An append or a create that would pass the budget throws <see cref="MemoryStreamBudgetExceededException"/> and changes nothing.
/// </summary>
public sealed class MemoryStreamBudget(long limit)
{
    /// <summary>A ring slot: one retained event's payload range and times (<see cref="EventSlot"/>).</summary>
    public const int SlotBytes = EventSlot.Bytes;

    private long used;

    public static MemoryStreamBudget Unlimited { get; } = new(long.MaxValue);

    public long Limit { get; } = limit;

    /// <summary>Bytes held by all memory streams now.</summary>
    public long Used => Interlocked.Read(ref used);

    /// <summary>Takes <paramref name="bytes"/> if they fit, or throws naming the budget (for <paramref name="stream"/>).</summary>
    public void Reserve(long bytes, string stream)
    {
        var current = Interlocked.Read(ref used);
        while (true)
        {
            if (current + bytes > Limit)
            {
                throw new MemoryStreamBudgetExceededException(stream, bytes, current, Limit);
            }
            var seen = Interlocked.CompareExchange(ref used, current + bytes, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>Takes <paramref name="bytes"/> even past the budget: for streams reopened at start-up, which must open.</summary>
    public void ReserveAnyway(long bytes) => Interlocked.Add(ref used, bytes);

    public void Release(long bytes) => Interlocked.Add(ref used, -bytes);
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
