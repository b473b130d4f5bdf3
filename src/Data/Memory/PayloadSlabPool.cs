using System.Collections.Concurrent;
using System.Runtime;

namespace Sluice.Data.Memory;

/// <summary>
/// The evicted payload slabs of one memory stream that no reader holds any more, kept to be written again instead of
/// allocating fresh memory (whose first touch costs a page fault per 4 kB). Thread-safe: slabs come back on the
/// finalizer thread, the stream's writer takes them under its append lock, and any memory stream's append may make the
/// pool drop them (through the budget).
/// </summary>
/// <remarks>
/// Whether a reader still holds an evicted slab is for the GC to say, since readers hold payloads as plain memory
/// (<see cref="ReadOnlyMemory{T}"/>, spans, array segments) anywhere. A retired slab is watched by a
/// <see cref="RetiredSlab"/> that only a <see cref="DependentHandle"/> keeps alive, and only while the slab is reachable
/// from anything else: once a collection finds no reference to the slab (a span on some thread's stack counts), the
/// watcher is finalized, and only then does the slab come back here. So a slab is never reused while any reader can
/// still see its bytes. Slabs live in gen2 (large or old), so they come back after a full collection.
/// <para>
/// Pooled slabs are counted in the <see cref="MemoryStreamBudget"/> (a slab that would not fit there is dropped), and
/// give way to appends: when one would not fit, the budget makes pools drop slabs (<see cref="Drop"/>). The slabs
/// waited for are not counted there: until the GC has found them unreferenced they are like any dropped slab.
/// </para>
/// </remarks>
internal sealed class PayloadSlabPool
{
    /// <summary>The most a stream keeps pooled, whatever its size.</summary>
    public const long MaxPooledBytes = 64L << 20;

    /// <summary>
    /// The pool and the slabs it waits for keep up to this many times the most the stream has held. Slabs come back in
    /// bursts, after full collections, and a small stream evicts several times what it holds between two of them.
    /// </summary>
    public const int HeldMultiple = 2;

    private readonly ConcurrentQueue<byte[]> free = new();
    private readonly MemoryStreamBudget budget;
    private long pooledBytes;
    // Bytes of the slabs retired and not back yet: counted against the bound too, since a watched slab the GC finds
    // unreferenced lives until its watcher's finalizer has run, one collection longer than a slab simply dropped.
    private long watchedBytes;
    private long limitBytes;
    private int closed;

    public PayloadSlabPool(MemoryStreamBudget budget)
    {
        this.budget = budget;
        budget.Register(this);
    }

    /// <summary>Bytes of the slabs in the pool now.</summary>
    public long PooledBytes => Interlocked.Read(ref pooledBytes);

    /// <summary>
    /// The pool and the slabs it waits for keep up to <see cref="HeldMultiple"/> times the most the stream has held in
    /// slabs (<paramref name="heldBytes"/>, given by the writer as it grows), at most <see cref="MaxPooledBytes"/>.
    /// </summary>
    public void Bound(long heldBytes)
    {
        var limit = Math.Min(heldBytes * HeldMultiple, MaxPooledBytes);
        if (limit > Volatile.Read(ref limitBytes))
        {
            Volatile.Write(ref limitBytes, limit);
        }
    }

    /// <summary>
    /// Hands an evicted slab to the GC to watch; it comes back to the pool once nothing references it. When the pool
    /// and the slabs already watched reach the bound, the slab is just dropped (the GC frees it as before).
    /// </summary>
    public void Retire(byte[] slab)
    {
        if (Volatile.Read(ref closed) != 0
            || Interlocked.Read(ref pooledBytes) + Interlocked.Read(ref watchedBytes) + slab.Length > Volatile.Read(ref limitBytes))
        {
            return;
        }
        Interlocked.Add(ref watchedBytes, slab.Length);
        var watcher = new RetiredSlab(slab, this);
        watcher.Watch(new DependentHandle(slab, watcher));
    }

    /// <summary>
    /// A pooled slab of exactly <paramref name="size"/> bytes, or null. The writer has reserved the bytes of the slab it
    /// needs in the budget already, so the pool gives back its count of the slab it hands over.
    /// </summary>
    public byte[]? TryTake(int size)
    {
        if (TryDequeue() is { } slab)
        {
            // Every pooled slab has the stream's largest size, the size of every slab once the stream has grown.
            return slab.Length == size ? slab : null;
        }
        return null;
    }

    /// <summary>Drops pooled slabs until <paramref name="bytes"/> are given back to the budget or none is left; the bytes given back.</summary>
    public long Drop(long bytes)
    {
        long dropped = 0;
        while (dropped < bytes && TryDequeue() is { } slab)
        {
            dropped += slab.Length;
        }
        return dropped;
    }

    /// <summary>Drops what the pool holds and keeps nothing more; the stream is deleted.</summary>
    public void Close()
    {
        Volatile.Write(ref closed, 1);
        budget.Unregister(this);
        Drop(long.MaxValue);
    }

    /// <summary>From the finalizer thread: a retired slab that nothing references any more.</summary>
    internal void Return(byte[] slab)
    {
        Interlocked.Add(ref watchedBytes, -slab.Length);
        if (Volatile.Read(ref closed) != 0
            || Interlocked.Read(ref pooledBytes) + slab.Length > Volatile.Read(ref limitBytes)
            || !budget.TryReservePooled(slab.Length))
        {
            return;
        }
        Interlocked.Add(ref pooledBytes, slab.Length);
        free.Enqueue(slab);
        if (Volatile.Read(ref closed) != 0)
        {
            // Closed while this slab was on its way in: Close may have drained the pool before it arrived.
            Drop(long.MaxValue);
        }
    }

    /// <summary>Takes a slab out of the pool and gives its bytes back to the budget.</summary>
    private byte[]? TryDequeue()
    {
        if (!free.TryDequeue(out var slab))
        {
            return null;
        }
        Interlocked.Add(ref pooledBytes, -slab.Length);
        budget.ReleasePooled(slab.Length);
        return slab;
    }
}

/// <summary>
/// Watches one retired slab: reachable only through a <see cref="DependentHandle"/> whose primary is the slab, so it is
/// finalized once the slab is unreferenced, and its finalizer gives the slab (kept alive for the finalizer by this
/// object's field) back to the pool.
/// </summary>
internal sealed class RetiredSlab(byte[] slab, PayloadSlabPool pool)
{
    private DependentHandle handle;

    ~RetiredSlab()
    {
        // The handle let go of the slab when the GC found it unreferenced; only its own memory is left to free.
        handle.Dispose();
        pool.Return(slab);
    }

    public void Watch(DependentHandle dependentHandle) => handle = dependentHandle;
}
