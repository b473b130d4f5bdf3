using System.Runtime.CompilerServices;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// A memory stream writes its evicted payload slabs again once nothing references them, never while a reader still
/// holds bytes of one, and keeps a bounded pool of them, counted in the memory streams' budget and given up when an
/// append needs the room.
/// </summary>
/// <remarks>
/// The tests are synchronous (a memory stream's append completes in the call) so that no state machine holds events
/// the test has let go of, and they force full collections: slabs come back to the pool from finalizers.
/// </remarks>
public sealed class PayloadSlabReuseTests
{
    // 256 events of 100 bytes: every slab has the least size (4 kB, 40 payloads), and the stream holds about seven.
    private const int Capacity = 256;
    private const int PayloadBytes = 100;

    private static MemoryStreamLog NewLog(MemoryStreamBudget? budget = null, string name = "slabs", int capacity = Capacity) =>
        (MemoryStreamLog)new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), budget ?? new MemoryStreamBudget(long.MaxValue))
            .CreateAsync(new StreamDefinition(name, StorageKind.Memory, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None)
            .Result;

    /// <summary>A payload whose every byte says which event it is, so that another event's bytes in its place show.</summary>
    private static byte[] Payload(long offset, int bytes = PayloadBytes) => Enumerable.Repeat((byte)(offset % 251), bytes).ToArray();

    // Not inlined: the list of new events must be garbage once it returns, or the test would hold what it appended.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Append(MemoryStreamLog log, int count, int payloadBytes = PayloadBytes)
    {
        var first = log.Position.HeadOffset;
        var events = Enumerable.Range(0, count).Select(i => new NewEvent(DateTimeOffset.UnixEpoch, Payload(first + i, payloadBytes))).ToList();
        var appended = log.AppendAsync(events, CancellationToken.None);
        Assert.True(appended.IsCompletedSuccessfully);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static StoredEvent ReadOne(MemoryStreamLog log, long offset)
    {
        var read = log.ReadAsync(offset, 1, CancellationToken.None).AsTask();
        Assert.True(read.IsCompletedSuccessfully);
        return Assert.Single(Assert.IsType<ReadOutcome.Events>(read.Result).Items);
    }

    /// <summary>Evicts the whole stream <paramref name="rounds"/> times over, with a full collection after each.</summary>
    private static void EvictAndCollect(MemoryStreamLog log, int rounds, Action? afterEach = null)
    {
        for (var round = 0; round < rounds; round++)
        {
            Append(log, Capacity / 2);
            Append(log, Capacity / 2);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            afterEach?.Invoke();
        }
    }

    [Fact]
    public void Slabs_that_eviction_frees_are_written_again_once_unreferenced()
    {
        var log = NewLog();

        EvictAndCollect(log, rounds: 40);

        // 40 rounds evict 10,240 events (about 260 slabs); without reuse every one of them would be new.
        var (allocated, reused, _) = log.SlabCounts;
        Assert.True(reused > 100, $"reused {reused} slabs, allocated {allocated}");
        Assert.True(allocated < 200, $"allocated {allocated} slabs, reused {reused}");
        var last = ReadOne(log, log.Position.HeadOffset - 1);
        Assert.Equal(Payload(last.Offset), last.Data.ToArray());
    }

    [Fact]
    public void A_reader_holding_an_evicted_event_never_sees_its_bytes_change()
    {
        var log = NewLog();
        Append(log, 10);
        var held = ReadOne(log, 0);

        EvictAndCollect(log, rounds: 20);

        Assert.True(log.SlabCounts.Reused > 0, "no slab was reused, so nothing was tested");
        Assert.True(log.Position.FirstRetainedOffset > held.Offset);
        Assert.Equal(Payload(0), held.Data.ToArray());
    }

    [Fact]
    public void A_reader_holding_only_a_span_of_an_evicted_payload_never_sees_its_bytes_change()
    {
        var log = NewLog();
        Append(log, 10);
        // Nothing but this span (a pointer into the slab, on this thread's stack) refers to the first slab afterwards.
        ReadOnlySpan<byte> held = ReadOne(log, 5).Data.Span;

        for (var round = 0; round < 20; round++)
        {
            EvictAndCollect(log, rounds: 1);
        }

        Assert.True(log.SlabCounts.Reused > 0, "no slab was reused, so nothing was tested");
        Assert.True(held.SequenceEqual(Payload(5)));
    }

    [Fact]
    public void The_pool_holds_at_most_twice_the_most_the_stream_held()
    {
        var log = NewLog();
        long largestHeld = 0;
        long largestPool = 0;

        // Twenty capacities between collections: each collection finds about 130 slabs unreferenced, far more than the bound.
        for (var round = 0; round < 5; round++)
        {
            for (var append = 0; append < 20; append++)
            {
                Append(log, Capacity);
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            largestHeld = Math.Max(largestHeld, log.SlabBytes);
            largestPool = Math.Max(largestPool, log.SlabCounts.PooledBytes);
        }

        // 25,600 bytes of payloads span at most eight 4 kB slabs (40 payloads each), so the pool holds at most sixteen;
        // and it holds more than the stream does, the burst a small stream evicts between two collections.
        Assert.InRange(largestHeld, 6 * PayloadSlabs.MinSlabBytes, 8 * PayloadSlabs.MinSlabBytes);
        Assert.InRange(largestPool, largestHeld + 1, 16 * PayloadSlabs.MinSlabBytes);
        Assert.True(log.SlabCounts.Reused > 0);
    }

    [Fact]
    public void A_deleted_stream_keeps_no_slab_pooled()
    {
        var log = NewLog();
        EvictAndCollect(log, rounds: 3);
        Assert.True(log.SlabCounts.PooledBytes > 0, "the pool was empty before the stream was deleted");
        // Slabs evicted but not collected yet: they come back after the stream is deleted.
        Append(log, Capacity);

        log.ReleaseBudget();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(0, log.SlabCounts.PooledBytes);
    }

    [Fact]
    public void Pooled_slabs_count_in_the_budget_beside_what_the_stream_holds_until_the_stream_is_deleted()
    {
        var budget = new MemoryStreamBudget(1L << 30);
        var log = NewLog(budget);

        EvictAndCollect(log, rounds: 3);

        var pooled = log.SlabCounts.PooledBytes;
        Assert.True(pooled > 0, "the pool was empty, so nothing was tested");
        Assert.Equal(pooled, budget.Pooled);
        Assert.Equal(log.HeldBytes, budget.Used);

        log.ReleaseBudget();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal(0, budget.Pooled);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public void An_append_that_needs_the_room_pooled_slabs_take_gets_it_from_another_streams_pool()
    {
        var budget = new MemoryStreamBudget(1L << 20);
        var pooling = NewLog(budget, "pooling");
        EvictAndCollect(pooling, rounds: 3);
        var pooled = budget.Pooled;
        Assert.True(pooled >= 2 * PayloadSlabs.MinSlabBytes, $"only {pooled} bytes pooled, so nothing was tested");
        var large = NewLog(budget, "large", capacity: 1);

        // One payload larger than what is free beside the pool: its slab is its own size, and fits only if the pool gives way.
        var payloadBytes = (int)(budget.Limit - budget.Used - budget.Pooled + pooled / 2);
        Append(large, 1, payloadBytes);

        Assert.Equal(1, large.Position.HeadOffset);
        Assert.InRange(budget.Pooled, 0, pooled / 2);
        Assert.Equal(budget.Pooled, pooling.SlabCounts.PooledBytes);
        Assert.True(budget.Used + budget.Pooled <= budget.Limit);
        Assert.Equal(large.HeldBytes + pooling.HeldBytes, budget.Used);
    }

    [Fact]
    public void A_slab_that_comes_back_when_the_budget_is_full_is_dropped_and_pooled_again_once_there_is_room()
    {
        var budget = new MemoryStreamBudget(1L << 20);
        var pooling = NewLog(budget, "pooling");
        // Evicts about thirteen slabs, which the GC has not looked at yet.
        Append(pooling, 2 * Capacity);
        var pooledBefore = budget.Pooled;
        var filling = NewLog(budget, "filling", capacity: 1);
        Append(filling, 1, (int)(budget.Limit - budget.Used - budget.Pooled));

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.InRange(budget.Pooled, 0, pooledBefore);
        Assert.Equal(budget.Pooled, pooling.SlabCounts.PooledBytes);
        Assert.True(budget.Used + budget.Pooled <= budget.Limit);

        // With the room back, the same evictions are pooled again.
        filling.ReleaseBudget();
        EvictAndCollect(pooling, rounds: 2);
        Assert.True(budget.Pooled > 0, "nothing was pooled with the room back");
        Assert.Equal(budget.Pooled, pooling.SlabCounts.PooledBytes);
    }
}
