using Sluice.Nexmark;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Benchmarks;

/// <summary>
/// A query compiled once and the events it reads, generated once and decoded into its inputs' row layouts
/// ahead of time; <see cref="Run"/> pushes them through a fresh pipeline, as the host would.
/// </summary>
internal sealed class NexmarkWorkload
{
    private readonly CompiledQuery query;
    private readonly (int[] Inputs, InputEvent Event)[] schedule;

    private NexmarkWorkload(CompiledQuery query, (int[] Inputs, InputEvent Event)[] schedule)
    {
        this.query = query;
        this.schedule = schedule;
    }

    /// <summary>Events pushed per <see cref="Run"/> (each counted once, however many inputs read its stream).</summary>
    public int EventCount => schedule.Length;

    public string Plan => query.Plan;

    /// <summary>
    /// Generates, in event-number order, only the events of the streams the query reads, until
    /// <paramref name="eventCount"/> of them exist (the generator has random access by event number).
    /// </summary>
    public static NexmarkWorkload Create(string sql, int eventCount, NexmarkConfig? config = null) =>
        Create(QueryCompiler.Compile(sql, NexmarkStreamShapes.Instance), eventCount, config);

    public static NexmarkWorkload Create(CompiledQuery query, int eventCount, NexmarkConfig? config = null)
    {
        var streams = query.Inputs.Select(i => i.Stream).ToHashSet();
        var layouts = query.Inputs.Select(i => NexmarkRows.Layout(i.Stream, [.. i.Columns.Select(c => c.Name)])).ToArray();
        var generator = new NexmarkGenerator(config);
        var offsets = new Dictionary<string, long>();
        var schedule = new List<(int[], InputEvent)>(eventCount);
        for (long number = 0; schedule.Count < eventCount; number++)
        {
            if (!streams.Contains(StreamOf(number)))
            {
                continue;
            }
            var e = generator.EventAt(number);
            var offset = offsets.GetValueOrDefault(e.Stream);
            offsets[e.Stream] = offset + 1;
            var inputs = Enumerable.Range(0, query.Inputs.Count).Where(i => query.Inputs[i].Stream == e.Stream).ToArray();
            // One decoded row per event; inputs of the same stream share it, as the host shares decoded events.
            var row = layouts[inputs[0]](e);
            if (!SharedStrings) OwnStrings(row, query.Inputs[inputs[0]].Reads);
            schedule.Add((inputs, new InputEvent(offset, e.DateTime, row)));
        }
        return new NexmarkWorkload(query, [.. schedule]);
    }

    /// <summary>
    /// Events the host pushes between two flushes: the service's default read batch (<c>Queries:BatchSize</c>, what
    /// <c>QueryRun</c> pumps per read when events wait, e.g. a 1,000-event NDJSON append), so mini-batching operators emit
    /// as often here as there.
    /// </summary>
    public const int BatchSize = 1024;

    /// <summary>Pushes every event through a new pipeline in batches of <see cref="BatchSize"/>, each ended by a flush as the host does, and completes it; returns the rows emitted.</summary>
    public long Run()
    {
        var inputs = query.Inputs.Select(_ => new DirectInput()).ToArray();
        var sink = new CountingObserver();
        using (var subscription = query.Build(inputs, new QueryStats()).Subscribe(sink))
        {
            var batches = PipelineBatches.Of(subscription);
            var inBatch = 0;
            foreach (var (targets, e) in schedule)
            {
                foreach (var target in targets)
                {
                    inputs[target].Push(e);
                }
                if (++inBatch == BatchSize)
                {
                    batches.Flush();
                    inBatch = 0;
                }
            }
            batches.Flush();
            foreach (var input in inputs)
            {
                input.Complete();
            }
        }
        if (sink.Error is { } error)
        {
            throw new InvalidOperationException("The pipeline failed.", error);
        }
        return sink.Rows;
    }

    /// <summary>
    /// True (<c>NEXMARK_SHARED_STRINGS=1</c>) to keep the generator's cached string instances in the rows, as the harness did
    /// up to 1 Dec 2026 (q16's ninth pass): every bid of a channel then shares one string, wherever it was allocated.
    /// </summary>
    public static bool SharedStrings => Environment.GetEnvironmentVariable("NEXMARK_SHARED_STRINGS") == "1";

    // The service decodes each event into a row of its own (RowDecoder: a string per text field the query reads, allocated
    // with the row; unread fields are not decoded); the generator hands out a few thousand cached channel and URL strings.
    // Copying the read ones gives each row its own, next to it, as decoding does: reading a row's text is then not a miss
    // on a string shared with rows long gone. Unread columns keep the shared instances (no memory of their own).
    private static void OwnStrings(object?[] row, IReadOnlyList<bool>? reads)
    {
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] is string text && (reads is null || reads[i])) row[i] = new string(text.AsSpan());
        }
    }

    private static string StreamOf(long eventNumber) => (eventNumber % NexmarkGenerator.ProportionDenominator) switch
    {
        < NexmarkGenerator.PersonProportion => NexmarkStreams.Person,
        < NexmarkGenerator.PersonProportion + NexmarkGenerator.AuctionProportion => NexmarkStreams.Auction,
        _ => NexmarkStreams.Bid,
    };

    private sealed class CountingObserver : IObserver<OutputRow>
    {
        public long Rows { get; private set; }

        public Exception? Error { get; private set; }

        public void OnNext(OutputRow value) => Rows++;

        public void OnError(Exception error) => Error = error;

        public void OnCompleted()
        {
        }
    }
}
