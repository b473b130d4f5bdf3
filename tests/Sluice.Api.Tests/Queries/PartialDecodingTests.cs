using System.Collections.Concurrent;
using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Queries;

/// <summary>
/// Queries on one stream decode only the columns some running query reads (<see cref="QueryInput.Reads"/>), still once
/// per event for all of them; the set grows when a query that reads more is added and shrinks when it stops.
/// </summary>
public sealed class PartialDecodingTests
{
    private static readonly bool[] IdOnly = [true, false];
    private static readonly bool[] TextOnly = [false, true];

    [Fact]
    public async Task A_column_no_running_query_reads_is_not_decoded()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        var first = new ConcurrentDictionary<long, object?[]>();
        var second = new ConcurrentDictionary<long, object?[]>();
        var one = await harness.RegisterAsync("one", FakeQueries.Recording("clicks", first, reads: IdOnly));
        var two = await harness.RegisterAsync("two", FakeQueries.Recording("clicks", second, reads: IdOnly));

        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        await RuntimeHarness.RowsOutAsync(one, 3);
        await RuntimeHarness.RowsOutAsync(two, 3);

        Assert.Equal([1L, null], first[0]);
        Assert.Equal([3L, null], second[2]);
        Assert.Same(first[1], second[1]);
        Assert.Equal(3, new InputDecoder(log, FakeQueries.IdAndText).Decoded);
    }

    [Fact]
    public async Task Queries_reading_different_columns_share_one_row_holding_the_columns_of_both()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        var ids = new ConcurrentDictionary<long, object?[]>();
        var texts = new ConcurrentDictionary<long, object?[]>();
        var byId = await harness.RegisterAsync("ids", FakeQueries.Recording("clicks", ids, reads: IdOnly));
        var byText = await harness.RegisterAsync("texts", FakeQueries.Recording("clicks", texts, reads: TextOnly));

        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        await RuntimeHarness.RowsOutAsync(byId, 3);
        await RuntimeHarness.RowsOutAsync(byText, 3);

        foreach (var (offset, row) in ids)
        {
            Assert.Same(row, texts[offset]);
        }
        Assert.Equal([2L, "b"], ids[1]);
        Assert.Equal(3, new InputDecoder(log, FakeQueries.IdAndText).Decoded);
    }

    [Fact]
    public async Task A_query_added_later_that_reads_a_column_not_decoded_yet_sees_its_values_before_and_after_it_was_added()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        var ids = new ConcurrentDictionary<long, object?[]>();
        var texts = new ConcurrentDictionary<long, object?[]>();
        var one = await harness.RegisterAsync("one", FakeQueries.Recording("clicks", ids, reads: IdOnly));
        var two = await harness.RegisterAsync("two", FakeQueries.Recording("clicks", [], reads: IdOnly));
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        await RuntimeHarness.RowsOutAsync(one, 3);
        await RuntimeHarness.RowsOutAsync(two, 3);
        Assert.Equal([3L, null], ids[2]);

        var late = await harness.RegisterAsync("late", FakeQueries.Recording("clicks", texts, reads: TextOnly), StartFrom.Earliest);
        await RuntimeHarness.RowsOutAsync(late, 3);
        await harness.AppendAsync("clicks", (4, "d"), (5, "e"));
        await RuntimeHarness.RowsOutAsync(one, 5);
        await RuntimeHarness.RowsOutAsync(late, 5);

        Assert.Equal(["a", "b", "c", "d", "e"], texts.OrderBy(t => t.Key).Select(t => t.Value[1]));
        // Events appended after it joined are decoded once for all three, with both columns.
        Assert.Same(ids[4], texts[4]);
        Assert.Equal([5L, "e"], ids[4]);
        // The three rows decoded before it joined lack its column: it decoded those for itself.
        Assert.Equal(3 + 3 + 2, new InputDecoder(log, FakeQueries.IdAndText).Decoded);
    }

    [Fact]
    public async Task When_the_only_query_reading_a_column_stops_later_rows_leave_it_out()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var ids = new ConcurrentDictionary<long, object?[]>();
        var one = await harness.RegisterAsync("one", FakeQueries.Recording("clicks", ids, reads: IdOnly));
        var reader = await harness.RegisterAsync("reader", FakeQueries.Recording("clicks", [], reads: TextOnly));
        await harness.AppendAsync("clicks", (1, "a"));
        await RuntimeHarness.RowsOutAsync(one, 1);
        await RuntimeHarness.RowsOutAsync(reader, 1);

        Assert.Equal(LifecycleOutcome.Done, (await harness.Registry.StopAsync("reader", CancellationToken.None)).Outcome);
        var other = await harness.RegisterAsync("other", FakeQueries.Recording("clicks", [], reads: IdOnly));
        await harness.AppendAsync("clicks", (2, "b"));
        await RuntimeHarness.RowsOutAsync(one, 2);
        await RuntimeHarness.RowsOutAsync(other, 2);

        Assert.Equal([1L, "a"], ids[0]);
        Assert.Equal([2L, null], ids[1]);
    }

    [Fact]
    public async Task A_run_waiting_for_an_event_another_run_decodes_does_not_block_and_takes_that_runs_row()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var entries = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries.ToArray();
        var memo = log.Tail.Memo<object?[]>(InputDecoder.MemoName(FakeQueries.IdAndText));
        var waiting = new InputDecoder(log, FakeQueries.IdAndText);
        var other = new InputDecoder(log, FakeQueries.IdAndText);
        waiting.AddReader();
        other.AddReader();
        // Stands for a run preempted in the middle of decoding the second event.
        Assert.True(memo.TryClaim(entries[1]));

        var rows = new object?[2][];
        var decoding = waiting.DecodeAsync(entries, rows, CancellationToken.None).AsTask();
        Assert.False(decoding.IsCompleted);
        Assert.Equal([1L, "a"], rows[0]);

        // That run gives the event up; the next run to read it decodes it, and the waiting one takes its row.
        memo.Release(entries[1]);
        var otherRows = new object?[1][];
        await other.DecodeAsync(entries[1..], otherRows, CancellationToken.None);
        await decoding.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Same(otherRows[0], rows[1]);
        Assert.Equal([2L, "b"], rows[1]);
        Assert.Equal(2, waiting.Decoded);
    }

    [Fact]
    public async Task A_run_waiting_for_another_runs_decoding_stops_when_cancelled()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"));
        var entries = ((CursorRead.Events)await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries.ToArray();
        var memo = log.Tail.Memo<object?[]>(InputDecoder.MemoName(FakeQueries.IdAndText));
        var decoder = new InputDecoder(log, FakeQueries.IdAndText);
        decoder.AddReader();
        decoder.AddReader();
        Assert.True(memo.TryClaim(entries[0]));
        using var stop = new CancellationTokenSource();

        var decoding = decoder.DecodeAsync(entries, new object?[1][], stop.Token).AsTask();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => decoding);
    }
}
