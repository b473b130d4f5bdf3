using System.Collections.Concurrent;
using System.Reactive.Linq;
using Sluice.Reactive;

namespace Sluice.Api.Tests.Queries;

/// <summary>Hand-built compiled queries standing in for the SQL engine, so the runtime can be tested on its own.</summary>
internal static class FakeQueries
{
    public static readonly ColumnInfo[] IdAndText = [new("id", ColumnType.Bigint), new("text", ColumnType.Text)];

    /// <summary><c>SELECT id, text FROM stream</c>: every event becomes one row.</summary>
    public static CompiledQuery PassThrough(string stream) => new(
        $"SELECT id, text FROM {stream}",
        [new QueryInput(stream, IdAndText, TimeSpan.Zero)],
        IdAndText,
        isUpdating: false,
        "Project(id, text)\n  Scan(" + stream + ")",
        (inputs, stats) => inputs[0].Select(e => new OutputRow(e.Row, e.EventTime, ChangeOp.Insert)));

    /// <summary>
    /// Like <see cref="PassThrough"/>, remembering in <paramref name="seen"/> the row instance it received for each input
    /// offset; <paramref name="reads"/> marks the columns it reads (null: all of them).
    /// </summary>
    public static CompiledQuery Recording(string stream, ConcurrentDictionary<long, object?[]> seen, bool[]? reads = null) => new(
        $"SELECT id, text FROM {stream}",
        [new QueryInput(stream, IdAndText, TimeSpan.Zero) { Reads = reads }],
        IdAndText,
        isUpdating: false,
        "Project(id, text)",
        (inputs, stats) => inputs[0].Select(e =>
        {
            seen[e.Offset] = e.Row;
            return new OutputRow(e.Row, e.EventTime, ChangeOp.Insert);
        }));

    /// <summary>Like <see cref="PassThrough"/>, but an event with id = <paramref name="poisonId"/> makes the pipeline fail.</summary>
    public static CompiledQuery FailingOn(string stream, long poisonId) => new(
        $"SELECT id, text FROM {stream}",
        [new QueryInput(stream, IdAndText, TimeSpan.Zero)],
        IdAndText,
        isUpdating: false,
        "Project(id, text)",
        (inputs, stats) => inputs[0].Select(e => (long?)e.Row[0] == poisonId
            ? throw new DivideByZeroException($"division by zero at id {poisonId}")
            : new OutputRow(e.Row, e.EventTime, ChangeOp.Insert)));

    /// <summary><c>SELECT text, COUNT(*) AS n FROM stream GROUP BY text</c> as a changelog: retract the old count, insert the new one.</summary>
    public static CompiledQuery CountByText(string stream)
    {
        ColumnInfo[] output = [new("text", ColumnType.Text), new("n", ColumnType.Bigint)];
        return new(
            $"SELECT text, COUNT(*) AS n FROM {stream} GROUP BY text",
            [new QueryInput(stream, IdAndText, TimeSpan.Zero)],
            output,
            isUpdating: true,
            "Aggregate(text; count)",
            (inputs, stats) => Observable.Create<OutputRow>(observer =>
            {
                var counts = new Dictionary<string, long>();
                return inputs[0].Subscribe(
                    e =>
                    {
                        var key = (string?)e.Row[1] ?? "";
                        if (counts.TryGetValue(key, out var old))
                        {
                            observer.OnNext(new OutputRow([key, old], e.EventTime, ChangeOp.Delete));
                        }
                        else
                        {
                            stats.AddStateSize(1);
                        }
                        counts[key] = old + 1;
                        observer.OnNext(new OutputRow([key, old + 1], e.EventTime, ChangeOp.Insert));
                    },
                    observer.OnError,
                    observer.OnCompleted);
            }));
    }

    /// <summary><c>SELECT id, text FROM a UNION ALL SELECT id, text FROM b</c>: two inputs into one output.</summary>
    public static CompiledQuery Union(string left, string right) => new(
        $"SELECT id, text FROM {left} UNION ALL SELECT id, text FROM {right}",
        [new QueryInput(left, IdAndText, TimeSpan.Zero), new QueryInput(right, IdAndText, TimeSpan.Zero)],
        IdAndText,
        isUpdating: false,
        "Union",
        (inputs, stats) => inputs[0].Merge(inputs[1]).Select(e => new OutputRow(e.Row, e.EventTime, ChangeOp.Insert)));

    /// <summary>Passes rows through and counts, per push, the threads that were inside the pipeline at once.</summary>
    public static CompiledQuery ConcurrencyProbe(string left, string right, Action<int> observeConcurrency)
    {
        var inside = 0;
        return new(
            "probe",
            [new QueryInput(left, IdAndText, TimeSpan.Zero), new QueryInput(right, IdAndText, TimeSpan.Zero)],
            IdAndText,
            isUpdating: false,
            "Probe",
            (inputs, stats) => inputs[0].Merge(inputs[1]).Select(e =>
            {
                observeConcurrency(Interlocked.Increment(ref inside));
                Thread.SpinWait(100);
                Interlocked.Decrement(ref inside);
                return new OutputRow(e.Row, e.EventTime, ChangeOp.Insert);
            }));
    }
}
