using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

public sealed class MemoryStreamLogTests
{
    private static StreamLog NewLog(int capacity) =>
        new MemoryStreamEngine(TimeProvider.System)
            .CreateAsync(new StreamDefinition("ring", StorageKind.Memory, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None)
            .Result;

    private static NewEvent EventCarrying(long value)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, value);
        return new NewEvent(DateTimeOffset.UnixEpoch, data);
    }

    [Fact]
    public async Task Lock_free_readers_see_contiguous_correct_events_or_410_while_writers_overwrite_the_ring()
    {
        var log = NewLog(capacity: 64);
        const int total = 50_000;
        var writer = Task.Run(async () =>
        {
            for (long next = 0; next < total; next += 7)
            {
                var batch = Enumerable.Range(0, (int)Math.Min(7, total - next)).Select(i => EventCarrying(next + i)).ToList();
                await log.AppendAsync(batch, CancellationToken.None);
            }
        });

        long cursor = 0, gones = 0;
        while (cursor < total)
        {
            switch (await log.ReadAsync(cursor, 50, CancellationToken.None))
            {
                case ReadOutcome.Events { Items: var items }:
                    foreach (var e in items)
                    {
                        Assert.Equal(cursor, e.Offset);
                        Assert.Equal(cursor, BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span));
                        cursor++;
                    }
                    if (items.Count == 0)
                    {
                        await log.WaitForOffsetAsync(cursor, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                    }
                    break;
                case ReadOutcome.Gone gone:
                    Assert.True(gone.FirstRetainedOffset > cursor, "410 must only be answered for offsets really evicted");
                    cursor = gone.FirstRetainedOffset;
                    gones++;
                    break;
            }
        }
        await writer;
        Assert.Equal(new LogPosition(total, total - 64), log.Position);
    }

    [Fact]
    public async Task Tail_wait_completes_only_when_the_awaited_offset_is_appended()
    {
        var log = NewLog(capacity: 10);
        await log.AppendAsync([EventCarrying(0)], CancellationToken.None);
        Assert.True(log.WaitForOffsetAsync(0, CancellationToken.None).AsTask().IsCompleted);

        var waiting = log.WaitForOffsetAsync(1, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        await log.AppendAsync([EventCarrying(1)], CancellationToken.None);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Tail_wait_honours_cancellation()
    {
        var log = NewLog(capacity: 10);
        using var cancel = new CancellationTokenSource();
        var waiting = log.WaitForOffsetAsync(0, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_batch_larger_than_the_capacity_keeps_its_newest_events()
    {
        var log = NewLog(capacity: 3);
        var result = await log.AppendAsync(Enumerable.Range(0, 5).Select(i => EventCarrying(i)).ToList(), CancellationToken.None);
        Assert.Equal(new AppendResult(0, 4, 5), result);
        var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(2, 10, CancellationToken.None));
        Assert.Equal([2L, 3, 4], read.Items.Select(e => e.Offset));
    }

    [Fact]
    public async Task The_ring_keeps_its_own_copy_of_each_payload_and_a_read_event_keeps_its_bytes_after_eviction()
    {
        var log = NewLog(capacity: 100);
        var buffer = new byte[8];
        for (var i = 0; i < 50; i++)
        {
            // The writer reuses one buffer: the stream must not keep a view of it.
            BinaryPrimitives.WriteInt64LittleEndian(buffer, i);
            await log.AppendAsync([new NewEvent(DateTimeOffset.UnixEpoch, buffer)], CancellationToken.None);
        }
        var early = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 50, CancellationToken.None)).Items;

        for (long next = 50; next < 5_000; next += 10)
        {
            await log.AppendAsync(Enumerable.Range(0, 10).Select(i => EventCarrying(1_000_000 + next + i)).ToList(), CancellationToken.None);
        }

        Assert.IsType<ReadOutcome.Gone>(await log.ReadAsync(0, 50, CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), early.Select(e => BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span)));
        var late = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(4_900, 100, CancellationToken.None)).Items;
        Assert.Equal(Enumerable.Range(4_900, 100).Select(i => 1_000_000L + i), late.Select(e => BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span)));
    }

    [Fact]
    public async Task Event_and_ingest_times_empty_and_large_payloads_read_back_as_appended()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        var log = await new MemoryStreamEngine(time)
            .CreateAsync(new StreamDefinition("ring", StorageKind.Memory, null, TimeSpan.Zero, 10, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
        var large = Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)i).ToArray();
        var eventTime = new DateTimeOffset(2026, 11, 30, 9, 30, 15, 123, TimeSpan.FromHours(2));

        await log.AppendAsync([new NewEvent(eventTime, ReadOnlyMemory<byte>.Empty), new NewEvent(eventTime.AddTicks(1), large), EventCarrying(7)], CancellationToken.None);

        var items = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        Assert.Equal(3, items.Count);
        Assert.Equal(eventTime, items[0].Timestamp);
        Assert.Equal(eventTime.UtcTicks + 1, items[1].Timestamp.UtcTicks);
        Assert.All(items, e => Assert.Equal(time.GetUtcNow(), e.IngestedAt));
        Assert.True(items[0].Data.IsEmpty);
        Assert.True(items[1].Data.Span.SequenceEqual(large));
        Assert.Equal(7, BinaryPrimitives.ReadInt64LittleEndian(items[2].Data.Span));
    }
}
