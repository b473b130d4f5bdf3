using System.Buffers.Binary;
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
}
