using System.Buffers;
using System.Collections.Concurrent;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Kestrel's connection memory pool with a bounded number of large blocks in front of its 4 KiB ones.
/// </summary>
/// <remarks>
/// Kestrel's socket transport receives into whatever is left of the input pipe's current block, so with 4 KiB blocks
/// a 170 kB append arrives in about 42 reads (each after a zero-byte wait for data): about 48 <c>recv</c> calls per
/// request, and on this kind of VM a system call costs several microseconds. With 64 KiB blocks the same request takes
/// about 5, and ingest costs about a fifth less CPU per event (docs/benchmarks.md, "Large receive blocks").
/// The pool cannot tell a connection's input from its output, and a slow reader's pending output holds its blocks for
/// as long as it is slow, so only <see cref="LargeBlockBudget"/> large blocks ever exist: with them all out (say, held
/// by thousands of subscribers that stopped reading) every rent gets a 4 KiB block from Kestrel's own pool, as before.
/// That bounds what the large blocks cost at <see cref="LargeBlockSize"/> × <see cref="LargeBlockBudget"/> (4 MiB).
/// </remarks>
internal sealed class LargeBlockMemoryPool(MemoryPool<byte> smallBlocks) : MemoryPool<byte>
{
    /// <summary>Bytes in a large block: a recv of up to 64 KiB is what loopback TCP usually has ready at once.</summary>
    public const int LargeBlockSize = 64 * 1024;

    /// <summary>How many large blocks exist at most, in use or free: enough for a few dozen appends in flight.</summary>
    public const int LargeBlockBudget = 64;

    // A queue, as Kestrel's own pool keeps its blocks: a block is usually returned on another thread than rented it,
    // where a bag's per-thread lists would make every rent a steal.
    private readonly ConcurrentQueue<LargeBlock> _free = new();
    private int _largeOut;

    /// <summary>The largest request the pipes bring here; larger ones they serve from the shared array pool themselves.</summary>
    public override int MaxBufferSize => LargeBlockSize;

    /// <summary>Large blocks rented and not yet returned (for tests).</summary>
    public int LargeBlocksOut => Volatile.Read(ref _largeOut);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, LargeBlockSize);
        if (Interlocked.Increment(ref _largeOut) <= LargeBlockBudget)
        {
            return _free.TryDequeue(out var block) ? block : new LargeBlock(this);
        }
        Interlocked.Decrement(ref _largeOut);
        // Past the budget: what Kestrel would have given. A request larger than its blocks (the pipes ask for more
        // than 4 KiB only when a writer asks for a span that large) gets an array of its size, as the pipe would.
        return minBufferSize <= smallBlocks.MaxBufferSize ? smallBlocks.Rent(minBufferSize) : new SharedArrayBlock(minBufferSize);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            smallBlocks.Dispose();
        }
    }

    private void Return(LargeBlock block)
    {
        _free.Enqueue(block);
        Interlocked.Decrement(ref _largeOut);
    }

    /// <summary>A pinned array (socket I/O needs no pinning of its own), kept by the pool for the next rent.</summary>
    private sealed class LargeBlock(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = GC.AllocateUninitializedArray<byte>(LargeBlockSize, pinned: true);

        public void Dispose() => pool.Return(this);
    }

    private sealed class SharedArrayBlock(int size) : IMemoryOwner<byte>
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(size);

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(SharedArrayBlock));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
