using System.Collections.Concurrent;
using System.Reactive.Linq;
using Sluice.Api.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive;

namespace Sluice.Api.Tests.Queries;

/// <summary>Queries reading one stream in one column layout decode each stored event once and share the row.</summary>
public sealed class SharedRowDecodingTests
{
    [Fact]
    public async Task Two_running_queries_on_one_stream_are_given_the_same_decoded_rows()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var first = new ConcurrentDictionary<long, object?[]>();
        var second = new ConcurrentDictionary<long, object?[]>();

        var one = await harness.RegisterAsync("one", Recording("clicks", first));
        var two = await harness.RegisterAsync("two", Recording("clicks", second));
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        await RuntimeHarness.RowsOutAsync(one, 3);
        await RuntimeHarness.RowsOutAsync(two, 3);

        Assert.Equal([0L, 1L, 2L], first.Keys.Order());
        foreach (var (offset, row) in first)
        {
            Assert.Same(row, second[offset]);
        }
        Assert.Equal([2L, "b"], first[1]);
    }

    [Fact]
    public async Task A_query_registered_later_still_starts_from_the_first_retained_offset()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks", capacity: 4);
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e"), (6, "f"));
        var early = await harness.RegisterAsync("early", FakeQueries.PassThrough("clicks"));
        await RuntimeHarness.RowsOutAsync(early, 4);

        var late = await harness.RegisterAsync("late", FakeQueries.PassThrough("clicks"));
        await RuntimeHarness.RowsOutAsync(late, 4);

        string[] retained = ["""{"id":3,"text":"c"}""", """{"id":4,"text":"d"}""", """{"id":5,"text":"e"}""", """{"id":6,"text":"f"}"""];
        Assert.Equal(retained, await harness.OutputTextsAsync("early"));
        Assert.Equal(retained, await harness.OutputTextsAsync("late"));
    }

    [Fact]
    public async Task A_cache_decodes_each_event_once_however_often_it_is_read()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        var items = ((ReadOutcome.Events)await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        var decoding = new SharedRowDecoding();
        var cache = decoding.For(log, FakeQueries.IdAndText);
        cache.AddReader();
        cache.AddReader();

        var firstRead = new object?[3][];
        var secondRead = new object?[2][];
        cache.Decode(items, firstRead);
        decoding.For(log, FakeQueries.IdAndText).Decode(items.Skip(1).ToArray(), secondRead);

        Assert.Same(cache, decoding.For(log, FakeQueries.IdAndText));
        Assert.Equal(3, cache.Decoded);
        Assert.Same(firstRead[1], secondRead[0]);
        Assert.Same(firstRead[2], secondRead[1]);
        Assert.Equal([3L, "c"], secondRead[1]);
    }

    [Fact]
    public async Task Another_layout_or_a_recreated_stream_gets_its_own_cache()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        var decoding = new SharedRowDecoding();
        var byId = decoding.For(log, FakeQueries.IdAndText);

        var textOnly = decoding.For(log, [new ColumnInfo("text", ColumnType.Text)]);
        await harness.Store.DeleteAsync("clicks", CancellationToken.None);
        var recreated = await harness.CreateStreamAsync("clicks");

        Assert.NotSame(byId, textOnly);
        Assert.NotSame(byId, decoding.For(recreated, FakeQueries.IdAndText));
    }

    [Fact]
    public async Task Events_further_apart_than_the_capacity_are_decoded_again_with_the_right_values()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        var items = ((ReadOutcome.Events)await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        var cache = new SharedRowDecoding(capacity: 2).For(log, FakeQueries.IdAndText);
        cache.AddReader();
        cache.AddReader();

        var rows = new object?[3][];
        cache.Decode(items, rows);
        var again = new object?[1][];
        cache.Decode([items[0]], again);

        Assert.Equal(4, cache.Decoded);
        Assert.Equal([1L, "a"], again[0]);
    }

    [Fact]
    public async Task A_cache_with_one_reader_keeps_no_rows()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var items = ((ReadOutcome.Events)await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        var cache = new SharedRowDecoding().For(log, FakeQueries.IdAndText);
        cache.AddReader();

        var first = new object?[2][];
        var second = new object?[2][];
        cache.Decode(items, first);
        cache.Decode(items, second);

        Assert.Equal(4, cache.Decoded);
        Assert.NotSame(first[0], second[0]);
        Assert.Equal(first[1], second[1]);
    }

    /// <summary>A pass-through that remembers the row instance it received for each input offset.</summary>
    private static CompiledQuery Recording(string stream, ConcurrentDictionary<long, object?[]> seen) => new(
        $"SELECT id, text FROM {stream}",
        [new QueryInput(stream, FakeQueries.IdAndText, TimeSpan.Zero)],
        FakeQueries.IdAndText,
        isUpdating: false,
        "Project(id, text)",
        (inputs, stats) => inputs[0].Select(e =>
        {
            seen[e.Offset] = e.Row;
            return new OutputRow(e.Row, e.EventTime, ChangeOp.Insert);
        }));
}
