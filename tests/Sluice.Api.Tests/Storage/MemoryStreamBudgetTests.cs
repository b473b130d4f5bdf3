using System.Buffers.Binary;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>Memory streams allocate as they fill and hold their bytes within one <see cref="MemoryStreamBudget"/>.</summary>
public sealed class MemoryStreamBudgetTests
{
    private static MemoryStreamLog NewLog(MemoryStreamBudget budget, int capacity, string name = "ring") =>
        (MemoryStreamLog)new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), budget)
            .CreateAsync(new StreamDefinition(name, StorageKind.Memory, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None)
            .Result;

    private static List<NewEvent> Events(long first, int count, int payloadBytes = 8) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var data = new byte[payloadBytes];
            BinaryPrimitives.WriteInt64LittleEndian(data, first + i);
            return new NewEvent(DateTimeOffset.UnixEpoch, data);
        }).ToList();

    [Fact]
    public async Task A_stream_of_capacity_ten_million_allocates_slots_as_it_fills_and_reads_every_event_across_growth()
    {
        var budget = new MemoryStreamBudget(long.MaxValue);
        var log = NewLog(budget, capacity: 10_000_000);
        Assert.Equal(MemoryStreamLog.InitialSlots, log.AllocatedSlots);
        Assert.Equal(MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes, budget.Used);

        for (var first = 0; first < 5_000; first += 700)
        {
            await log.AppendAsync(Events(first, Math.Min(700, 5_000 - first)), CancellationToken.None);
        }

        Assert.Equal(8_192, log.AllocatedSlots);
        // The slots and the payload slabs, which hold the 40,000 payload bytes with less than their size again to spare.
        Assert.Equal(8_192L * MemoryStreamBudget.SlotBytes + log.SlabBytes, budget.Used);
        Assert.InRange(log.SlabBytes, 5_000L * 8, 2 * 5_000L * 8);
        var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 5_000, CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (long)i), read.Items.Select(e => BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span)));
    }

    [Fact]
    public async Task An_append_past_the_budget_throws_naming_the_limit_and_changes_nothing()
    {
        // Room for the first slots and the first slab, which ten small events fill only in part; an event that does not fit needs another slab.
        var budget = new MemoryStreamBudget(MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes + PayloadSlabs.MinSlabBytes);
        var log = NewLog(budget, capacity: 2_000);
        await log.AppendAsync(Events(0, 10), CancellationToken.None);
        var used = budget.Used;
        Assert.Equal(budget.Limit, used);

        var refused = await Assert.ThrowsAsync<MemoryStreamBudgetExceededException>(async () => await log.AppendAsync(Events(10, 1, payloadBytes: PayloadSlabs.MinSlabBytes), CancellationToken.None));

        Assert.Contains("Limits:MemoryStreamBytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal("ring", refused.Stream);
        Assert.Equal(10, log.Position.HeadOffset);
        Assert.Equal(used, budget.Used);
    }

    [Fact]
    public async Task A_full_ring_keeps_accepting_appends_since_evicted_events_give_their_bytes_back()
    {
        // 100 events of 64 bytes are 6,400 payload bytes: slabs of 4 KiB, of which evictions free all but the last few.
        var bound = 100L * MemoryStreamBudget.SlotBytes + 100L * 64 + 2L * PayloadSlabs.MinSlabBytes;
        var budget = new MemoryStreamBudget(bound);
        var log = NewLog(budget, capacity: 100);
        for (var first = 0; first < 10_000; first += 37)
        {
            await log.AppendAsync(Events(first, 37, payloadBytes: 64), CancellationToken.None);
        }
        Assert.Equal(100L * MemoryStreamBudget.SlotBytes + log.SlabBytes, budget.Used);
        Assert.InRange(budget.Used, 100L * MemoryStreamBudget.SlotBytes + 100L * 64, bound);

        // A single batch larger than the ring keeps only its last 100 events, and counts only those.
        await log.AppendAsync(Events(20_000, 250, payloadBytes: 64), CancellationToken.None);
        await log.AppendAsync(Events(20_250, 1, payloadBytes: 64), CancellationToken.None);
        Assert.Equal(100L * MemoryStreamBudget.SlotBytes + log.SlabBytes, budget.Used);
        Assert.InRange(budget.Used, 100L * MemoryStreamBudget.SlotBytes + 100L * 64, bound);
        var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(log.Position.FirstRetainedOffset, 100, CancellationToken.None));
        Assert.Equal(Enumerable.Range(20_151, 100).Select(i => (long)i), read.Items.Select(e => BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span)));
    }

    [Fact]
    public async Task Creating_past_the_budget_throws_and_deleting_a_stream_gives_its_bytes_back()
    {
        // Room for three empty streams' first slots and the slabs of forty events, less one byte.
        var probe = NewLog(MemoryStreamBudget.Unlimited, capacity: 10_000_000, "probe");
        await probe.AppendAsync(Events(0, 40, payloadBytes: 1_000), CancellationToken.None);
        var budget = new MemoryStreamBudget(3 * MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes + probe.SlabBytes - 1);
        var engine = new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), budget);
        var first = NewLog(budget, capacity: 10_000_000, "first");
        NewLog(budget, capacity: 10_000_000, "second");
        await first.AppendAsync(Events(0, 40, payloadBytes: 1_000), CancellationToken.None);

        Assert.Throws<MemoryStreamBudgetExceededException>(() => NewLog(budget, capacity: 10_000_000, "third"));

        await engine.DropAsync(first, CancellationToken.None);
        Assert.Equal(MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes, budget.Used);
        NewLog(budget, capacity: 10_000_000, "third");
    }
}
