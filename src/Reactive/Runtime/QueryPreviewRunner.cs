using System.Reactive.Subjects;
using System.Text.Json;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Runs a compiled query over events given in a request, in virtual time, storing nothing: each
/// stream's events are validated and timestamped as an append would do them, pushed through a fresh
/// pipeline merged by event time (each stream keeps its own order), then every input is completed so
/// open windows flush. Processing time is virtual too: each event is processed at its own timestamp, so
/// <c>PROCTIME()</c> reads as that timestamp and a processing-time window groups the events as if they had been
/// processed the moment they happened (a live run groups them by when it actually reads them).
/// </summary>
public static class QueryPreviewRunner
{
    /// <summary>The outcome: rows, or a message saying which events were refused or how the query failed.</summary>
    public sealed record Outcome(QueryPreviewRows? Preview, string? Error, IDictionary<string, object?>? Where = null);

    public static Outcome Run(CompiledQuery compiled, IReadOnlyDictionary<string, JsonElement[]> events, StreamStore store, QueryOptions options, DateTimeOffset now)
    {
        var total = events.Values.Sum(e => (long)e.Length);
        if (total > options.MaxPreviewEvents)
        {
            return new(null, $"A preview takes at most {options.MaxPreviewEvents} events; the request has {total}.");
        }
        var inputNames = compiled.Inputs.Select(i => i.Stream).ToHashSet(StringComparer.Ordinal);
        var parsed = new Dictionary<string, IReadOnlyList<NewEvent>>(StringComparer.Ordinal);
        foreach (var (stream, items) in events)
        {
            if (!inputNames.Contains(stream))
            {
                return new(null, $"The query does not read stream '{stream}'; it reads {string.Join(", ", inputNames.Order().Select(n => $"'{n}'"))}.",
                    new Dictionary<string, object?> { ["stream"] = stream });
            }
            var definition = store.Find(stream)!.Definition;
            var result = EventBatchParser.Parse(JsonSerializer.SerializeToUtf8Bytes(items), BodyFormat.Json, definition, now);
            if (result.Error is { } error)
            {
                return new(null, $"Events of stream '{stream}', item {error.Item ?? 0}: {error.Detail}",
                    new Dictionary<string, object?> { ["stream"] = stream, ["item"] = error.Item ?? 0, ["field"] = error.Field });
            }
            parsed[stream] = result.Events;
        }

        var inputs = compiled.Inputs
            .Select(input => new PreviewInput(
                parsed.GetValueOrDefault(input.Stream) ?? [],
                new RowDecoder(input.Columns),
                new Subject<InputEvent>()))
            .ToArray();
        var rows = new List<OutputRow>();
        Exception? failure = null;
        var pushed = 0;
        var virtualTime = new VirtualTime(now);
        var clock = new ProcessingTimeClock(virtualTime);
        try
        {
            using var subscription = compiled.Build(inputs.Select(i => i.Subject).ToArray(), new QueryStats(), clock)
                .Subscribe(rows.Add, e => failure ??= e);
            while (failure is null && rows.Count <= options.MaxPreviewRows && NextByEventTime(inputs) is { } next)
            {
                var input = inputs[next];
                var item = input.Events[input.Position];
                virtualTime.Now = item.Timestamp;
                clock.Fire();
                input.Subject.OnNext(new InputEvent(input.Position, item.Timestamp.UtcDateTime, input.Decoder.Decode(item.Data.Span)));
                input.Position++;
                pushed++;
            }
            if (failure is null && rows.Count <= options.MaxPreviewRows)
            {
                foreach (var input in inputs)
                {
                    input.Subject.OnCompleted();
                }
            }
        }
        catch (Exception ex)
        {
            failure ??= ex;
        }
        if (failure is not null)
        {
            return new(null, $"The query failed on the preview events: {failure.Message}");
        }
        var truncated = rows.Count > options.MaxPreviewRows;
        var encoder = new RowEncoder(compiled.OutputColumns, compiled.IsUpdating);
        var output = rows.Take(options.MaxPreviewRows).Select(r => (ReadOnlyMemory<byte>)encoder.Encode(r)).ToArray();
        return new(new QueryPreviewRows(pushed, output, truncated), null);
    }

    /// <summary>What a preview emitted: the events pushed, the rows as UTF-8 JSON objects (as appended), and whether rows were cut off.</summary>
    public sealed record QueryPreviewRows(int EventsIn, IReadOnlyList<ReadOnlyMemory<byte>> Rows, bool Truncated);

    /// <summary>The input whose next event is earliest in event time (ties: the first input), or null when all are drained.</summary>
    private static int? NextByEventTime(PreviewInput[] inputs)
    {
        int? best = null;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Position < inputs[i].Events.Count
                && (best is null || inputs[i].Events[inputs[i].Position].Timestamp < inputs[best.Value].Events[inputs[best.Value].Position].Timestamp))
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>The preview's processing time: the timestamp of the event being pushed.</summary>
    private sealed class VirtualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class PreviewInput(IReadOnlyList<NewEvent> events, RowDecoder decoder, Subject<InputEvent> subject)
    {
        public IReadOnlyList<NewEvent> Events { get; } = events;

        public RowDecoder Decoder { get; } = decoder;

        public Subject<InputEvent> Subject { get; } = subject;

        public int Position { get; set; }
    }
}
