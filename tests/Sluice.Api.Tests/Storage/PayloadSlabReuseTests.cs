using System.Runtime.CompilerServices;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// A memory stream writes its evicted payload slabs again once nothing references them, never while a reader still
/// holds bytes of one, and keeps a bounded pool of them.
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

    private static MemoryStreamLog NewLog() =>
        (MemoryStreamLog)new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), new MemoryStreamBudget(long.MaxValue))
            .CreateAsync(new StreamDefinition("slabs", StorageKind.Memory, null, TimeSpan.Zero, Capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None)
            .Result;

    /// <summary>A payload whose every byte says which event it is, so that another event's bytes in its place show.</summary>
    private static byte[] Payload(long offset) => Enumerable.Repeat((byte)(offset % 251), PayloadBytes).ToArray();

    // Not inlined: the list of new events must be garbage once it returns, or the test would hold what it appended.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Append(MemoryStreamLog log, int count)
    {
        var first = log.Position.HeadOffset;
        var events = Enumerable.Range(0, count).Select(i => new NewEvent(DateTimeOffset.UnixEpoch, Payload(first + i))).ToList();
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

        // 40 rounds evict 10,240 events (about 260 slabs); without reuse every one of them would be new. The pool keeps
        // half of what the stream holds, so about half of the slabs of each round are reused.
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
    public void The_pool_holds_at_most_half_the_most_the_stream_held()
    {
        var log = NewLog();
        long largestHeld = 0;
        long largestPool = 0;

        // Appends of a whole capacity between collections: each collection finds about seven slabs unreferenced, more than the bound.
        EvictAndCollect(log, rounds: 30, afterEach: () =>
        {
            largestHeld = Math.Max(largestHeld, log.SlabBytes);
            largestPool = Math.Max(largestPool, log.SlabCounts.PooledBytes);
        });

        // 25,600 bytes of payloads span at most eight 4 kB slabs (40 payloads each), so the pool holds at most four.
        Assert.InRange(largestHeld, 6 * PayloadSlabs.MinSlabBytes, 8 * PayloadSlabs.MinSlabBytes);
        Assert.InRange(largestPool, PayloadSlabs.MinSlabBytes, 4 * PayloadSlabs.MinSlabBytes);
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
}
