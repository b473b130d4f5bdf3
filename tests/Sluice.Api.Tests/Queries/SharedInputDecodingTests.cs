using System.Collections.Concurrent;
using Sluice.Api.Tests.Storage;
using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Queries;

/// <summary>Queries reading one stream in one column layout decode each stored event once and share the row (a memo on the stream's tail).</summary>
public sealed class SharedInputDecodingTests
{
    [Fact]
    public async Task Two_running_queries_on_one_stream_are_given_the_same_decoded_rows()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var first = new ConcurrentDictionary<long, object?[]>();
        var second = new ConcurrentDictionary<long, object?[]>();

        var one = await harness.RegisterAsync("one", FakeQueries.Recording("clicks", first));
        var two = await harness.RegisterAsync("two", FakeQueries.Recording("clicks", second));
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
    public async Task Three_queries_reading_one_stream_decode_each_event_once()
    {
        await using var harness = new RuntimeHarness(batchSize: 4);
        var log = await harness.CreateStreamAsync("clicks");
        var queries = new List<RegisteredQuery>();
        foreach (var name in new[] { "q0", "q1", "q2" })
        {
            queries.Add(await harness.RegisterAsync(name, FakeQueries.PassThrough("clicks")));
        }

        for (var batch = 0; batch < 5; batch++)
        {
            await harness.AppendAsync("clicks", Enumerable.Range(0, 7).Select(i => ((long)(batch * 7 + i), "x")).ToArray());
        }
        foreach (var query in queries)
        {
            await RuntimeHarness.RowsOutAsync(query, 35);
        }

        Assert.Equal(35, new InputDecoder(log, FakeQueries.IdAndText).Decoded);
    }

    [Fact]
    public async Task Three_queries_on_a_stream_read_from_the_store_read_it_once_per_batch()
    {
        // A postgres stream opened at start-up holds events its tail has never seen: the queries must read the store.
        var engine = new StoreOnlyEngine();
        await using var harness = new RuntimeHarness(batchSize: 10, engine: engine, storage: StorageKind.Postgres);
        var log = await harness.CreateStreamAsync("bids");
        await harness.AppendAsync("bids", Enumerable.Range(0, 40).Select(i => ((long)i, "b")).ToArray());

        var queries = new List<RegisteredQuery>();
        foreach (var name in new[] { "q0", "q1", "q2" })
        {
            queries.Add(await harness.RegisterAsync(name, FakeQueries.PassThrough("bids")));
        }
        foreach (var query in queries)
        {
            await RuntimeHarness.RowsOutAsync(query, 40);
        }

        // Four batches of ten: one store read each, shared by the three queries.
        Assert.Equal(4, ((StoreOnlyLog)log).Reads);
        Assert.Equal(4, log.Tail.StoreReads);
    }

    [Fact]
    public async Task A_decoder_decodes_each_event_once_however_often_it_is_read()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        var entries = await EntriesAsync(log, 0, 10);
        var decoder = new InputDecoder(log, FakeQueries.IdAndText);
        decoder.AddReader();
        decoder.AddReader();

        var firstRead = new object?[3][];
        var secondRead = new object?[2][];
        decoder.Decode(entries, firstRead);
        new InputDecoder(log, FakeQueries.IdAndText).Decode((await EntriesAsync(log, 1, 10)).ToArray(), secondRead);

        Assert.Equal(3, decoder.Decoded);
        Assert.Same(firstRead[1], secondRead[0]);
        Assert.Same(firstRead[2], secondRead[1]);
        Assert.Equal([3L, "c"], secondRead[1]);
    }

    [Fact]
    public async Task Another_layout_or_a_recreated_stream_decodes_on_its_own()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"));
        var entries = await EntriesAsync(log, 0, 10);
        var byId = new InputDecoder(log, FakeQueries.IdAndText);
        var textOnly = new InputDecoder(log, [new ColumnInfo("text", ColumnType.Text)]);
        byId.AddReader();
        byId.AddReader();
        byId.Decode(entries, new object?[1][]);

        var text = new object?[1][];
        textOnly.Decode(entries, text);
        await harness.Store.DeleteAsync("clicks", CancellationToken.None);
        var recreated = await harness.CreateStreamAsync("clicks");

        Assert.Equal(["a"], text[0]);
        Assert.Equal((1L, 1L), (byId.Decoded, textOnly.Decoded));
        Assert.Equal(0, new InputDecoder(recreated, FakeQueries.IdAndText).Decoded);
    }

    [Fact]
    public async Task Events_read_back_after_the_tail_moved_on_are_decoded_again_with_the_right_values()
    {
        var log = new StoreOnlyLog(capacity: 2, keepAppended: true);
        await log.AppendAsync(
            [new NewEvent(DateTimeOffset.UnixEpoch, """{"id":1,"text":"a"}"""u8.ToArray()), new NewEvent(DateTimeOffset.UnixEpoch, """{"id":2,"text":"b"}"""u8.ToArray()),
             new NewEvent(DateTimeOffset.UnixEpoch, """{"id":3,"text":"c"}"""u8.ToArray())],
            CancellationToken.None);
        var decoder = new InputDecoder(log, FakeQueries.IdAndText);
        decoder.AddReader();
        decoder.AddReader();

        decoder.Decode(await EntriesAsync(log, 1, 2), new object?[2][]);
        var again = new object?[1][];
        decoder.Decode(await EntriesAsync(log, 0, 1), again);

        Assert.Equal(3, decoder.Decoded);
        Assert.Equal([1L, "a"], again[0]);
    }

    [Fact]
    public async Task A_decoder_with_one_reader_keeps_no_rows()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var entries = await EntriesAsync(log, 0, 10);
        var decoder = new InputDecoder(log, FakeQueries.IdAndText);
        decoder.AddReader();

        var first = new object?[2][];
        var second = new object?[2][];
        decoder.Decode(entries, first);
        decoder.Decode(entries, second);

        Assert.Equal(4, decoder.Decoded);
        Assert.NotSame(first[0], second[0]);
        Assert.Equal(first[1], second[1]);
    }

    [Fact]
    public async Task A_query_reading_another_querys_output_decodes_none_of_it()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var upstream = await harness.RegisterAsync("first", FakeQueries.PassThrough("clicks"));
        var downstream = await harness.RegisterAsync("second", FakeQueries.PassThrough("first"));

        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        await RuntimeHarness.RowsOutAsync(upstream, 2);
        await RuntimeHarness.RowsOutAsync(downstream, 2);

        Assert.Equal(0, new InputDecoder(harness.Store.Find("first")!, FakeQueries.IdAndText).Decoded);
        Assert.Equal(["""{"id":1,"text":"a"}""", """{"id":2,"text":"b"}"""], await harness.OutputTextsAsync("second"));
    }

    [Fact]
    public async Task Rows_leave_the_tail_once_every_joined_reader_has_passed_them()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"));
        var entries = await EntriesAsync(log, 0, 10);
        var decoders = Enumerable.Range(0, 3).Select(_ => new InputDecoder(log, FakeQueries.IdAndText)).ToArray();
        var readers = decoders.Select(d => d.Join(0)).ToArray();
        var memo = log.Tail.Memo<object?[]>(InputDecoder.MemoName(FakeQueries.IdAndText));
        var rows = decoders.Select(_ => new object?[3][]).ToArray();

        decoders[0].Decode(entries, rows[0]);
        decoders[0].Passed(readers[0], entries);
        decoders[1].Decode(entries, rows[1]);
        decoders[1].Passed(readers[1], entries[..2]);
        var keptForTheThird = entries.Select(e => memo.Get(e)).ToArray();
        decoders[2].Decode(entries[..2], rows[2]);
        decoders[2].Passed(readers[2], entries[..2]);

        Assert.All(keptForTheThird, row => Assert.NotNull(row));
        Assert.Equal(3, decoders[0].Decoded);
        Assert.Same(rows[0][1], rows[2][1]);
        Assert.Null(memo.Get(entries[0]));
        Assert.Null(memo.Get(entries[1]));
        Assert.Same(rows[0][2], memo.Get(entries[2]));
    }

    [Fact]
    public async Task A_reader_that_left_holds_no_rows_back_and_one_joining_behind_decodes_again()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var entries = await EntriesAsync(log, 0, 10);
        var first = new InputDecoder(log, FakeQueries.IdAndText);
        var second = new InputDecoder(log, FakeQueries.IdAndText);
        var leaves = new InputDecoder(log, FakeQueries.IdAndText);
        var firstReader = first.Join(0);
        var secondReader = second.Join(0);
        leaves.Leave(leaves.Join(0));
        var memo = log.Tail.Memo<object?[]>(InputDecoder.MemoName(FakeQueries.IdAndText));

        var rows = new object?[2][];
        first.Decode(entries, rows);
        first.Passed(firstReader, entries);
        second.Decode(entries, new object?[2][]);
        second.Passed(secondReader, entries);
        var dropped = entries.Select(e => memo.Get(e)).ToArray();
        var behind = new InputDecoder(log, FakeQueries.IdAndText);
        behind.Join(0);
        var again = new object?[2][];
        behind.Decode(entries, again);

        Assert.All(dropped, row => Assert.Null(row));
        Assert.Equal([2L, "b"], again[1]);
        Assert.NotSame(rows[1], again[1]);
        Assert.Equal(4, first.Decoded);
        Assert.Equal(3, memo.Users);
    }

    [Fact]
    public async Task A_batch_reported_after_its_reader_left_does_not_stop_later_readers_from_dropping_rows()
    {
        await using var harness = new RuntimeHarness();
        var log = await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var entries = await EntriesAsync(log, 0, 10);
        var memo = log.Tail.Memo<object?[]>(InputDecoder.MemoName(FakeQueries.IdAndText));
        var early = new InputDecoder(log, FakeQueries.IdAndText);
        var gone = early.Join(0);
        early.Leave(gone);
        early.Passed(gone, entries);

        var first = new InputDecoder(log, FakeQueries.IdAndText);
        var second = new InputDecoder(log, FakeQueries.IdAndText);
        var firstReader = first.Join(0);
        var secondReader = second.Join(0);
        first.Decode(entries, new object?[2][]);
        first.Passed(firstReader, entries);
        second.Decode(entries, new object?[2][]);
        second.Passed(secondReader, entries);

        Assert.Equal(2, first.Decoded);
        Assert.All(entries, entry => Assert.Null(memo.Get(entry)));
    }

    private static async Task<TailEntry[]> EntriesAsync(StreamLog log, long from, int limit) =>
        ((CursorRead.Events)await log.OpenCursor(from).ReadAsync(limit, CancellationToken.None)).Entries.ToArray();

    /// <summary>An engine whose logs keep nothing in their tail, as postgres streams opened with events in their tables.</summary>
    private sealed class StoreOnlyEngine : IStreamEngine
    {
        public StorageKind Kind => StorageKind.Postgres;

        public Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
            Task.FromResult<StreamLog>(new StoreOnlyLog(name: definition.Name));

        public Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken) => CreateAsync(definition, cancellationToken);

        public Task DropAsync(StreamLog log, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
