using System.Numerics;

namespace Sluice.Data.Memory;

/// <summary>
/// The payload bytes of a memory stream's retained events, copied side by side into slabs: one array per many events,
/// written in offset order and dropped whole once eviction has passed its last event. Not thread-safe: the log uses it
/// under its append lock. What it holds is what the stream takes from the <see cref="MemoryStreamBudget"/>: whole slabs.
/// </summary>
/// <remarks>
/// Copying a payload once more (a memcpy) is what lets the request's buffers die young: before, a retained event kept
/// its request's 32 kB chunk alive, and every chunk was copied from gen0 to gen1 to gen2 by the GC. Slabs grow from
/// <see cref="MinSlabBytes"/> to a size that depends on the stream's capacity (a small stream must not pin a megabyte),
/// so a slab of a busy stream is a large-object array the GC never copies.
/// <para>
/// A slab that eviction gives up is reused once nothing references it (see <see cref="PayloadSlabPool"/>): a reader
/// may still hold a payload of an evicted event (a query decoding it, a replay being sent), and only the GC can tell
/// when none does. Only slabs of the largest size are pooled: the size of every slab once the stream has grown.
/// </para>
/// </remarks>
internal sealed class PayloadSlabs
{
    public const int MinSlabBytes = 4_096;

    /// <summary>The largest slab where the budget is at least 64 of them; where it is smaller, <see cref="MaxSlabBytesSmallBudget"/>.</summary>
    public const int MaxSlabBytes = 4 << 20;

    /// <summary>The largest slab under a budget below 64 × <see cref="MaxSlabBytes"/>, so that a small budget is not taken in large steps.</summary>
    public const int MaxSlabBytesSmallBudget = 1 << 20;

    private readonly int largestSlab;
    private readonly Queue<(byte[] Slab, long LastOffset)> sealedSlabs = new();
    private readonly PayloadSlabPool pool;
    private byte[] current = [];
    private int used;
    private long currentLastOffset = -1;
    private int nextSize = MinSlabBytes;

    /// <param name="capacity">The stream's capacity: slabs grow to about 16 bytes per event it can hold, at most <see cref="MaxSlabBytes"/>.</param>
    /// <param name="budget">What all memory streams may hold together, pooled slabs included.</param>
    public PayloadSlabs(int capacity, MemoryStreamBudget budget)
    {
        // 4 MiB slabs hold at least one whole 2 MiB-aligned block, which SlabPages can give a huge page.
        var largest = budget.Limit / 64 >= MaxSlabBytes ? MaxSlabBytes : MaxSlabBytesSmallBudget;
        pool = new PayloadSlabPool(budget);
        largestSlab = (int)Math.Clamp((long)BitOperations.RoundUpToPowerOf2((ulong)capacity * 16), MinSlabBytes, largest);
    }

    /// <summary>Bytes of the slabs held now (sealed and current).</summary>
    public long HeldBytes { get; private set; }

    /// <summary>Slabs allocated so far.</summary>
    public long AllocatedSlabs { get; private set; }

    /// <summary>Slabs written again, taken from the pool instead of allocated.</summary>
    public long ReusedSlabs { get; private set; }

    /// <summary>Bytes of evicted slabs in the pool now, not part of <see cref="HeldBytes"/> (the budget counts them apart).</summary>
    public long PooledBytes => pool.PooledBytes;

    /// <summary>
    /// The bytes of the slabs that copying <paramref name="payloadLengths"/> (in order) would allocate; changes nothing.
    /// The log reserves them from the budget before it copies.
    /// </summary>
    public long BytesToAdd(ReadOnlySpan<int> payloadLengths)
    {
        long added = 0;
        var free = current.Length - used;
        var size = nextSize;
        foreach (var length in payloadLengths)
        {
            if (length == 0 || length <= free)
            {
                free -= length;
                continue;
            }
            var slab = SlabFor(length, ref size);
            added += slab;
            free = slab - length;
        }
        return added;
    }

    /// <summary>The bytes <see cref="FreeBelow"/> would give back for <paramref name="evictedBelow"/>; changes nothing.</summary>
    public long BytesFreedBelow(long evictedBelow)
    {
        long freed = 0;
        foreach (var (slab, lastOffset) in sealedSlabs)
        {
            if (lastOffset >= evictedBelow)
            {
                break;
            }
            freed += slab.Length;
        }
        return freed;
    }

    /// <summary>Gives up the sealed slabs whose events are all below <paramref name="evictedBelow"/> (to the pool, once unreferenced).</summary>
    public void FreeBelow(long evictedBelow)
    {
        while (sealedSlabs.TryPeek(out var oldest) && oldest.LastOffset < evictedBelow)
        {
            sealedSlabs.Dequeue();
            HeldBytes -= oldest.Slab.Length;
            if (oldest.Slab.Length == largestSlab)
            {
                pool.Retire(oldest.Slab);
            }
        }
    }

    /// <summary>Drops the pool, and keeps nothing that comes back later; the stream is deleted.</summary>
    public void Close() => pool.Close();

    /// <summary>Copies the payload of event <paramref name="offset"/> into the current slab (a new one when it is full).</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> payload, long offset)
    {
        if (payload.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        if (current.Length - used < payload.Length)
        {
            if (current.Length > 0)
            {
                sealedSlabs.Enqueue((current, currentLastOffset));
            }
            current = NewSlab(SlabFor(payload.Length, ref nextSize));
            used = 0;
            HeldBytes += current.Length;
            pool.Bound(HeldBytes);
        }
        payload.CopyTo(current.AsSpan(used));
        var copied = new ReadOnlyMemory<byte>(current, used, payload.Length);
        used += payload.Length;
        currentLastOffset = offset;
        return copied;
    }

    private byte[] NewSlab(int size)
    {
        if (size == largestSlab && pool.TryTake(size) is { } reused)
        {
            ReusedSlabs++;
            return reused;
        }
        AllocatedSlabs++;
        var slab = GC.AllocateUninitializedArray<byte>(size);
        SlabPages.Prepare(slab);
        return slab;
    }

    /// <summary>The size of the next slab for a payload of <paramref name="length"/>: doubling up to the largest, or the payload's own size when larger.</summary>
    private int SlabFor(int length, ref int size)
    {
        var slab = size;
        size = Math.Min(largestSlab, size * 2);
        return Math.Max(slab, length);
    }
}
