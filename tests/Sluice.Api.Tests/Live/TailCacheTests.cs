using System.Text;
using Sluice.Api.Live;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Live;

public sealed class TailCacheTests
{
    [Fact]
    public async Task Readers_at_the_head_share_one_log_read_per_append()
    {
        var log = new SlowLog();
        log.Append(10);
        var cache = new TailCache(log, capacity: 100, fetchSize: 50);
        Assert.Empty(((ReadOutcome.Events)await cache.ReadAsync(10, 50, CancellationToken.None)).Items);

        log.Append(5);
        log.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = Enumerable.Range(0, 100).Select(_ => cache.ReadAsync(10, 50, CancellationToken.None).AsTask()).ToArray();
        await LiveServer.WaitUntilAsync(() => log.Reads == 1, "the first reader fetched");
        log.Gate.SetResult();
        var outcomes = await Task.WhenAll(readers);

        Assert.All(outcomes, o => Assert.Equal([10L, 11L, 12L, 13L, 14L], ((ReadOutcome.Events)o).Items.Select(e => e.Offset)));
        Assert.Equal(1, log.Reads);
        Assert.Equal(1, cache.LogReads);
    }

    [Fact]
    public async Task A_reader_inside_the_window_is_served_from_memory_with_the_limit_applied()
    {
        var log = new SlowLog();
        log.Append(20);
        var cache = new TailCache(log, capacity: 100, fetchSize: 50);
        _ = await cache.ReadAsync(0, 50, CancellationToken.None);
        var reads = log.Reads;

        var outcome = (ReadOutcome.Events)await cache.ReadAsync(5, 3, CancellationToken.None);

        Assert.Equal([5L, 6L, 7L], outcome.Items.Select(e => e.Offset));
        Assert.Equal(reads, log.Reads);
    }

    [Fact]
    public async Task A_reader_behind_the_window_reads_the_log_itself()
    {
        var log = new SlowLog();
        log.Append(300);
        var cache = new TailCache(log, capacity: 64, fetchSize: 64);
        // Walk a reader to the head so the window holds only the last 64 events.
        for (long next = 0; next < 300;)
        {
            next = ((ReadOutcome.Events)await cache.ReadAsync(next, 64, CancellationToken.None)).Items[^1].Offset + 1;
        }
        var reads = log.Reads;

        var behind = (ReadOutcome.Events)await cache.ReadAsync(10, 5, CancellationToken.None);

        Assert.Equal([10L, 11L, 12L, 13L, 14L], behind.Items.Select(e => e.Offset));
        Assert.Equal(reads + 1, log.Reads);
        Assert.Equal("{\"n\":10}", Encoding.UTF8.GetString(behind.Items[0].Data.Span));
    }

    [Fact]
    public async Task A_reader_ahead_of_the_window_moves_it_and_still_sees_every_later_event()
    {
        var log = new SlowLog();
        log.Append(10);
        var cache = new TailCache(log, capacity: 100, fetchSize: 50);
        _ = await cache.ReadAsync(0, 5, CancellationToken.None);

        Assert.Empty(((ReadOutcome.Events)await cache.ReadAsync(10, 50, CancellationToken.None)).Items);
        log.Append(3);
        var outcome = (ReadOutcome.Events)await cache.ReadAsync(10, 50, CancellationToken.None);

        Assert.Equal([10L, 11L, 12L], outcome.Items.Select(e => e.Offset));
    }

    [Fact]
    public async Task A_cancelled_reader_does_not_fail_the_shared_fetch()
    {
        var log = new SlowLog();
        var cache = new TailCache(log, capacity: 100, fetchSize: 50);
        _ = await cache.ReadAsync(0, 50, CancellationToken.None);
        log.Append(2);
        log.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaving = new CancellationTokenSource();
        var cancelled = cache.ReadAsync(0, 50, leaving.Token).AsTask();
        var staying = cache.ReadAsync(0, 50, CancellationToken.None).AsTask();
        await LiveServer.WaitUntilAsync(() => log.Reads == 1, "the fetch started");

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        log.Gate.SetResult();

        Assert.Equal([0L, 1L], ((ReadOutcome.Events)await staying).Items.Select(e => e.Offset));
    }

    /// <summary>A postgres-like log in memory that counts reads and can hold them at a gate.</summary>
    private sealed class SlowLog() : StreamLog(new StreamDefinition("slow", StorageKind.Postgres, null, TimeSpan.Zero, null, null, DateTimeOffset.UnixEpoch))
    {
        private readonly List<StoredEvent> events = [];
        private int reads;

        public TaskCompletionSource? Gate { get; set; }

        public int Reads => Volatile.Read(ref reads);

        public override LogPosition Position
        {
            get
            {
                lock (events)
                {
                    return new LogPosition(events.Count, 0);
                }
            }
        }

        public void Append(int count)
        {
            lock (events)
            {
                for (var i = 0; i < count; i++)
                {
                    var offset = events.Count;
                    events.Add(new StoredEvent(offset, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes($"{{\"n\":{offset}}}")));
                }
            }
            NotifyAppended();
        }

        public override ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> newEvents, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override async ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref reads);
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }
            lock (events)
            {
                var items = events.Skip((int)from).Take(limit).ToArray();
                return new ReadOutcome.Events(items, new LogPosition(events.Count, 0));
            }
        }
    }
}
