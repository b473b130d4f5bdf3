using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// Streams appending at once under a tight memory budget, while collections bring evicted slabs back to their pools and
/// appends make pools give them up: what streams and pools hold together never passes the limit, every event reads back
/// as written, and deleting the streams gives every byte back.
/// </summary>
public sealed class PooledSlabBudgetRaceTests
{
    private const int Streams = 4;
    private const int Capacity = 512;
    private const int PayloadBytes = 100;
    private const int Batch = 64;

    private static byte[] Payload(int stream, long offset)
    {
        var payload = new byte[PayloadBytes];
        payload.AsSpan().Fill((byte)((offset * 7 + stream) % 251));
        return payload;
    }

    [Fact]
    public async Task Streams_and_pools_stay_within_the_limit_while_appends_and_collections_race()
    {
        // Each stream holds about 80 kB at its capacity; 384 kB lets them all fill, with little to spare for pools.
        var budget = new MemoryStreamBudget(384 << 10);
        var engine = new MemoryStreamEngine(TimeProvider.System, new IdempotencyOptions(), budget);
        var logs = new MemoryStreamLog[Streams];
        for (var i = 0; i < Streams; i++)
        {
            logs[i] = (MemoryStreamLog)await engine.CreateAsync(
                new StreamDefinition($"race_{i}", StorageKind.Memory, null, TimeSpan.Zero, Capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
        }
        using var done = new CancellationTokenSource();
        long largest = 0;
        var refused = 0;

        var collector = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var (used, pooled) = budget.Snapshot();
                InterlockedMax(ref largest, used + pooled);
            }
        });
        var writers = Enumerable.Range(0, Streams).Select(stream => Task.Run(async () =>
        {
            var log = logs[stream];
            for (var round = 0; round < 400; round++)
            {
                var first = log.Position.HeadOffset;
                var events = Enumerable.Range(0, Batch).Select(k => new NewEvent(DateTimeOffset.UnixEpoch, Payload(stream, first + k))).ToList();
                try
                {
                    await log.AppendAsync(events, CancellationToken.None);
                }
                catch (MemoryStreamBudgetExceededException)
                {
                    Interlocked.Increment(ref refused);
                }
                var (used, pooled) = budget.Snapshot();
                InterlockedMax(ref largest, used + pooled);
            }
        })).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2));
        done.Cancel();
        await collector.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.InRange(largest, 1, budget.Limit);
        Assert.True(refused < Streams * 400 / 2, $"{refused} of {Streams * 400} appends were refused");
        var reused = logs.Sum(l => l.SlabCounts.Reused);
        Assert.True(reused > 0, "no slab was reused, so pools were never exercised");
        for (var stream = 0; stream < Streams; stream++)
        {
            var log = logs[stream];
            var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(log.Position.FirstRetainedOffset, Capacity, CancellationToken.None));
            Assert.NotEmpty(read.Items);
            Assert.All(read.Items, e => Assert.Equal(Payload(stream, e.Offset), e.Data.ToArray()));
        }

        foreach (var log in logs)
        {
            await engine.DropAsync(log, CancellationToken.None);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal((0L, 0L), budget.Snapshot());
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
