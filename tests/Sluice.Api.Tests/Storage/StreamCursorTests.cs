using System.Text;
using Sluice.Api.Tests.Live;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>The one way to read a stream: cursors over the stream's shared tail, with the store behind it.</summary>
public sealed class StreamCursorTests
{
    [Fact]
    public async Task Readers_at_the_same_offset_share_one_store_read()
    {
        var log = new StoreOnlyLog();
        log.Append(10);
        Assert.IsType<CursorRead.Empty>(await log.OpenCursor(10).TryReadAsync(50, CancellationToken.None));

        log.Append(5);
        log.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = Enumerable.Range(0, 100).Select(_ => log.OpenCursor(10).ReadAsync(50, CancellationToken.None).AsTask()).ToArray();
        await LiveServer.WaitUntilAsync(() => log.Reads == 1, "the first reader fetched");
        log.Gate.SetResult();
        var outcomes = await Task.WhenAll(readers);

        Assert.All(outcomes, o => Assert.Equal([10L, 11L, 12L, 13L, 14L], Offsets(o)));
        Assert.Equal(1, log.Reads);
        Assert.Equal(1, log.Tail.StoreReads);
    }

    [Fact]
    public async Task A_range_read_once_is_served_from_memory_with_the_limit_applied()
    {
        var log = new StoreOnlyLog();
        log.Append(20);
        _ = await log.OpenCursor(0).ReadAsync(50, CancellationToken.None);
        var reads = log.Reads;

        var outcome = await log.OpenCursor(5).ReadAsync(3, CancellationToken.None);

        Assert.Equal([5L, 6L, 7L], Offsets(outcome));
        Assert.Equal(reads, log.Reads);
    }

    [Fact]
    public async Task Appended_events_kept_in_the_tail_are_read_without_the_store()
    {
        var log = new StoreOnlyLog(keepAppended: true);
        log.Append(3);

        var outcome = await log.OpenCursor(0).ReadAsync(50, CancellationToken.None);

        Assert.Equal([0L, 1L, 2L], Offsets(outcome));
        Assert.Equal(0, log.Reads);
    }

    [Fact]
    public async Task Readers_behind_the_tail_read_the_store_once_and_share_what_came_back()
    {
        var log = new StoreOnlyLog(capacity: 64, keepAppended: true);
        log.Append(300);

        var behind = await log.OpenCursor(43).ReadAsync(5, CancellationToken.None);
        var second = await log.OpenCursor(43).ReadAsync(5, CancellationToken.None);

        Assert.Equal([43L, 44L, 45L, 46L, 47L], Offsets(behind));
        Assert.Equal("{\"n\":43}", Encoding.UTF8.GetString(((CursorRead.Events)behind).Entries[0].Event.Data.Span));
        Assert.Equal(((CursorRead.Events)behind).Entries, ((CursorRead.Events)second).Entries);
        Assert.Equal(1, log.Reads);
    }

    [Fact]
    public async Task A_cancelled_reader_does_not_fail_the_shared_store_read()
    {
        var log = new StoreOnlyLog();
        log.Append(2);
        log.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaving = new CancellationTokenSource();
        var cancelled = log.OpenCursor(0).ReadAsync(50, leaving.Token).AsTask();
        var staying = log.OpenCursor(0).ReadAsync(50, CancellationToken.None).AsTask();
        await LiveServer.WaitUntilAsync(() => log.Reads == 1, "the fetch started");

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        log.Gate.SetResult();

        var offsets = Offsets(await staying);
        Assert.Equal([0L, 1L], offsets);
    }

    [Fact]
    public async Task A_cursor_waits_for_an_append_then_returns_it()
    {
        var log = await MemoryLogAsync(capacity: 100);
        var cursor = log.OpenCursor(0);

        var read = cursor.ReadAsync(10, CancellationToken.None).AsTask();
        Assert.False(read.IsCompleted);
        await log.AppendAsync([Event(1), Event(2)], CancellationToken.None);

        var offsets = Offsets(await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([0L, 1L], offsets);
        Assert.Equal(2, cursor.Next);
    }

    [Fact]
    public async Task A_cursor_behind_evicted_events_says_which_range_it_skipped()
    {
        var log = await MemoryLogAsync(capacity: 4);
        await log.AppendAsync(Enumerable.Range(0, 10).Select(Event).ToArray(), CancellationToken.None);
        var cursor = log.OpenCursor(1);

        var skipped = Assert.IsType<CursorRead.Skipped>(await cursor.ReadAsync(10, CancellationToken.None));
        var rest = await cursor.ReadAsync(10, CancellationToken.None);

        Assert.Equal((1L, 6L), (skipped.From, skipped.To));
        Assert.Equal([6L, 7L, 8L, 9L], Offsets(rest));
    }

    [Fact]
    public async Task A_cursor_on_a_deleted_stream_says_so_and_wakes_a_waiting_reader()
    {
        var store = new StreamStore(new MemoryStreamCatalog(), [new MemoryStreamEngine(TimeProvider.System)], TimeProvider.System);
        await store.CreateAsync(new StreamDefinition("gone", StorageKind.Memory, null, TimeSpan.Zero, 10, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
        var waiting = store.Find("gone")!.OpenCursor(0).ReadAsync(10, CancellationToken.None).AsTask();

        await store.DeleteAsync("gone", CancellationToken.None);

        Assert.IsType<CursorRead.Deleted>(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task When_any_completes_when_one_of_several_cursors_has_news()
    {
        var quiet = await MemoryLogAsync(capacity: 10);
        var busy = await MemoryLogAsync(capacity: 10);
        StreamCursor[] cursors = [quiet.OpenCursor(0), busy.OpenCursor(0)];

        var any = StreamCursor.WhenAnyAsync(cursors, CancellationToken.None);
        Assert.False(any.IsCompleted);
        await busy.AppendAsync([Event(1)], CancellationToken.None);

        await any.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([false, true], cursors.Select(c => c.HasNews));
    }

    [Fact]
    public async Task A_memo_is_computed_once_per_event_and_shared_by_every_reader()
    {
        var log = await MemoryLogAsync(capacity: 10);
        await log.AppendAsync([Event(1)], CancellationToken.None);
        var memo = log.Tail.Memo<string>("text");
        var first = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(1, CancellationToken.None)).Entries[0];
        var second = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(1, CancellationToken.None)).Entries[0];

        var a = memo.GetOrAdd(first, static (stored, _) => Encoding.UTF8.GetString(stored.Data.Span), 0);
        var b = memo.GetOrAdd(second, static (_, _) => "computed again", 0);

        Assert.Same(a, b);
        Assert.Equal(1, memo.Computed);
        Assert.Same(memo, log.Tail.Memo<string>("text"));
    }

    [Fact]
    public async Task A_memory_stream_makes_an_events_tail_entry_when_a_cursor_first_reads_it_and_later_cursors_share_it()
    {
        var log = await MemoryLogAsync(capacity: 10);
        await log.AppendAsync([Event(1), Event(2), Event(3)], CancellationToken.None);
        var heldBeforeAnyRead = Enumerable.Range(0, 3).Select(o => log.Tail.Holds(o)).ToArray();

        var first = ((CursorRead.Events)await log.OpenCursor(1).ReadAsync(10, CancellationToken.None)).Entries;
        var second = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries;

        Assert.Equal([false, false, false], heldBeforeAnyRead);
        Assert.Equal([0L, 1L, 2L], second.Select(e => e.Offset));
        Assert.Same(first[0], second[1]);
        Assert.Same(first[1], second[2]);
        Assert.Equal("{\"n\":3}", Encoding.UTF8.GetString(second[2].Event.Data.Span));
    }

    [Fact]
    public async Task Once_a_cursor_reads_at_the_head_of_a_memory_stream_its_appends_are_kept_in_the_tail_as_they_come()
    {
        var log = await MemoryLogAsync(capacity: 10);
        await log.AppendAsync([Event(1)], CancellationToken.None);
        var cursor = log.OpenCursor(0);
        await cursor.ReadAsync(10, CancellationToken.None);

        await log.AppendAsync([Event(2), Event(3)], CancellationToken.None);

        Assert.True(log.Tail.Holds(1));
        Assert.True(log.Tail.Holds(2));
        var entries = ((CursorRead.Events)await cursor.ReadAsync(10, CancellationToken.None)).Entries;
        Assert.Equal([1L, 2L], entries.Select(e => e.Offset));
    }

    [Fact]
    public async Task An_event_appended_with_a_memo_is_in_the_tail_with_it_before_any_read()
    {
        var log = await MemoryLogAsync(capacity: 10);
        var memo = log.Tail.Memo<string>("text");
        await log.AppendAsync([Event(1) with { Memo = EventMemo.For(memo, "attached") }, Event(2)], CancellationToken.None);

        var held = (log.Tail.Holds(0), log.Tail.Holds(1));
        var entries = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries;

        Assert.Equal((true, false), held);
        Assert.Equal("attached", memo.Get(entries[0]));
        Assert.Null(memo.Get(entries[1]));
    }

    [Fact]
    public async Task Cursors_reading_a_memory_ring_in_place_see_contiguous_correct_events_or_a_skip_while_writers_overwrite_it()
    {
        var log = await MemoryLogAsync(capacity: 64);
        const int total = 30_000;
        var writer = Task.Run(async () =>
        {
            for (var next = 0; next < total; next += 7)
            {
                var batch = Enumerable.Range(next, Math.Min(7, total - next)).Select(Event).ToList();
                await log.AppendAsync(batch, CancellationToken.None);
            }
        });
        var cursor = log.OpenCursor(0);
        long expected = 0;
        while (expected < total)
        {
            switch (await cursor.ReadAsync(50, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)))
            {
                case CursorRead.Events { Entries: var entries }:
                    foreach (var entry in entries)
                    {
                        Assert.Equal(expected, entry.Offset);
                        Assert.Equal($"{{\"n\":{expected}}}", Encoding.UTF8.GetString(entry.Event.Data.Span));
                        expected++;
                    }
                    break;
                case CursorRead.Skipped skip:
                    Assert.Equal(expected, skip.From);
                    Assert.True(skip.To > skip.From && skip.To <= log.Position.FirstRetainedOffset, "a skip must name events really evicted");
                    expected = skip.To;
                    break;
                default:
                    Assert.Fail("the stream was not deleted");
                    break;
            }
        }
        await writer;
        Assert.Equal(total, expected);
    }

    private static long[] Offsets(CursorRead read) => Assert.IsType<CursorRead.Events>(read).Entries.Select(e => e.Offset).ToArray();

    private static NewEvent Event(int n) => new(DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes($"{{\"n\":{n}}}"));

    private static async Task<StreamLog> MemoryLogAsync(int capacity) =>
        await new MemoryStreamEngine(TimeProvider.System).CreateAsync(
            new StreamDefinition("mem", StorageKind.Memory, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
}

/// <summary>
/// A postgres-like log in memory that counts store reads and can hold them at a gate. By default its appends are not
/// kept in the tail, as for a postgres stream opened at start-up with events already in its table.
/// </summary>
internal sealed class StoreOnlyLog(int? capacity = null, bool keepAppended = false, string name = "slow")
    : StreamLog(new StreamDefinition(name, StorageKind.Postgres, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch))
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

    public void Append(int count) => Append(Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)default).ToArray());

    private void Append(ReadOnlyMemory<byte>[] payloads)
    {
        lock (events)
        {
            foreach (var payload in payloads)
            {
                var offset = events.Count;
                var stored = new StoredEvent(offset, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
                    payload.IsEmpty ? Encoding.UTF8.GetBytes($"{{\"n\":{offset}}}") : payload);
                events.Add(stored);
                if (keepAppended)
                {
                    KeepInTail(stored, null);
                }
            }
        }
        NotifyAppended();
    }

    public override ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> newEvents, CancellationToken cancellationToken)
    {
        var first = Position.HeadOffset;
        Append(newEvents.Select(e => e.Data).ToArray());
        return ValueTask.FromResult(new AppendResult(first, first + newEvents.Count - 1, newEvents.Count));
    }

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
