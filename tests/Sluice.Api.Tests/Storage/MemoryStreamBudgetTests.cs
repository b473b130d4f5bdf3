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
        Assert.Equal(8_192L * MemoryStreamBudget.SlotBytes + 5_000L * (8 + MemoryStreamBudget.EventOverhead), budget.Used);
        var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 5_000, CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (long)i), read.Items.Select(e => BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span)));
    }

    [Fact]
    public async Task An_append_past_the_budget_throws_naming_the_limit_and_changes_nothing()
    {
        var budget = new MemoryStreamBudget(MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes + 10 * (8 + MemoryStreamBudget.EventOverhead));
        var log = NewLog(budget, capacity: 2_000);
        await log.AppendAsync(Events(0, 10), CancellationToken.None);
        var used = budget.Used;

        var refused = await Assert.ThrowsAsync<MemoryStreamBudgetExceededException>(async () => await log.AppendAsync(Events(10, 1), CancellationToken.None));

        Assert.Contains("Limits:MemoryStreamBytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal("ring", refused.Stream);
        Assert.Equal(10, log.Position.HeadOffset);
        Assert.Equal(used, budget.Used);
    }

    [Fact]
    public async Task A_full_ring_keeps_accepting_appends_since_evicted_events_give_their_bytes_back()
    {
        var budget = new MemoryStreamBudget(200 * (64 + MemoryStreamBudget.EventOverhead));
        var log = NewLog(budget, capacity: 100);
        for (var first = 0; first < 10_000; first += 37)
        {
            await log.AppendAsync(Events(first, 37, payloadBytes: 64), CancellationToken.None);
        }
        Assert.Equal(100L * MemoryStreamBudget.SlotBytes + 100L * (64 + MemoryStreamBudget.EventOverhead), budget.Used);

        // A single batch larger than the ring keeps only its last 100 events, and counts only those.
        await log.AppendAsync(Events(20_000, 250, payloadBytes: 64), CancellationToken.None);
        Assert.Equal(100L * MemoryStreamBudget.SlotBytes + 100L * (64 + MemoryStreamBudget.EventOverhead), budget.Used);
    }

    [Fact]
    public async Task Creating_past_the_budget_throws_and_deleting_a_stream_gives_its_bytes_back()
    {
        // Room for three empty streams' first slots and forty events, less one byte.
        var budget = new MemoryStreamBudget(3 * MemoryStreamLog.InitialSlots * MemoryStreamBudget.SlotBytes + 40 * (1_000 + MemoryStreamBudget.EventOverhead) - 1);
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
