using System.Reactive.Subjects;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine;

/// <summary>The top-N operator against a batch sort: random inserts and retractions, compared after every batch.</summary>
public sealed class TopNPropertyTests
{
    [Theory]
    [InlineData(1, 3, true)]
    [InlineData(2, 3, false)]
    [InlineData(3, 1, true)]
    [InlineData(4, 1, false)]
    [InlineData(5, 5, true)]
    public void The_maintained_top_n_equals_a_batch_sort_after_every_batch(int seed, int limit, bool emitRank)
    {
        var random = new Random(seed);
        var input = new Subject<Element>();
        var table = new List<string>();
        Exception? error = null;
        var stats = new QueryStats();
        var sink = new TopNSink(
            new AnonymousObserver(e =>
            {
                if (e.Kind == ElementKind.Watermark) return;
                var text = string.Join("|", e.Row!);
                if (e.Kind == ElementKind.Insert) table.Add(text);
                else Assert.True(table.Remove(text), $"retraction of a row never emitted: {text}");
            }, e => error = e),
            [row => row[0]],
            [row => row[1]],
            [true],
            limit,
            emitRank,
            keepAll: true,
            stats,
            "top-N");
        sink.AddUpstream(input.Subscribe(sink));

        // The model: every live row with its arrival number; a retraction removes the earliest equal copy.
        var live = new List<(long Partition, long? Value, long Tag, long Arrival)>();
        long arrival = 0;
        for (var batch = 0; batch < 200; batch++)
        {
            for (var i = 0; i < 5; i++)
            {
                if (live.Count > 0 && random.Next(3) == 0)
                {
                    var victim = live[random.Next(live.Count)];
                    var first = live.Where(r => r.Partition == victim.Partition && r.Value == victim.Value && r.Tag == victim.Tag).MinBy(r => r.Arrival);
                    live.Remove(first);
                    input.OnNext(Element.Delete([victim.Partition, victim.Value, victim.Tag], 0));
                }
                else
                {
                    // Few values and tags: many ties and duplicate rows.
                    var row = (Partition: (long)random.Next(3), Value: random.Next(8) == 0 ? (long?)null : random.Next(6), Tag: (long)random.Next(2), Arrival: arrival++);
                    live.Add(row);
                    input.OnNext(Element.Insert([row.Partition, row.Value, row.Tag], 0));
                }
            }

            var expected = live
                .GroupBy(r => r.Partition)
                .SelectMany(g => g
                    .OrderBy(r => r.Value is null ? 0 : 1) // DESC puts NULLs first (PostgreSQL)
                    .ThenByDescending(r => r.Value)
                    .ThenBy(r => r.Arrival)
                    .Take(limit)
                    .Select((r, rank) => emitRank ? $"{r.Partition}|{r.Value}|{r.Tag}|{rank + 1}" : $"{r.Partition}|{r.Value}|{r.Tag}"))
                .OrderBy(x => x, StringComparer.Ordinal)
                .ToList();
            Assert.Null(error);
            Assert.Equal(expected, table.OrderBy(x => x, StringComparer.Ordinal).ToList());
            Assert.Equal(live.Count, stats.StateSize);
        }
    }

    private sealed class AnonymousObserver(Action<Element> onNext, Action<Exception> onError) : IObserver<Element>
    {
        public void OnNext(Element value) => onNext(value);

        public void OnError(Exception error) => onError(error);

        public void OnCompleted()
        {
        }
    }
}
