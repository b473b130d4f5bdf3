using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

/// <summary>
/// A query's metrics over time, as the server samples them once a second for the last five minutes: the series the
/// web UI's query page draws. Rates are the server's (its counters' growth between samples), so they do not depend
/// on when a browser happens to poll, and a page opened late still shows the minutes before it.
/// </summary>
public sealed class QueryMetricsHistory(QueryRegistry registry, TimeProvider time) : BackgroundService
{
    /// <summary>Seconds between samples.</summary>
    public const int IntervalSeconds = 1;

    /// <summary>Samples kept per query: five minutes of intervals.</summary>
    public const int Capacity = 300;

    /// <summary>The series of a query registered since the last sample.</summary>
    public static readonly QueryMetricsSeries Empty = new(IntervalSeconds, []);

    private sealed record Sample(long Ticks, DateTimeOffset At, QueryRun? Run, long EventsIn, long RowsOut, long LateEvents, DateTime? Watermark);

    private readonly Dictionary<string, Queue<Sample>> history = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>The query's series, oldest first: one point per interval between two samples; null for a query never sampled.</summary>
    public QueryMetricsSeries? For(string query)
    {
        lock (gate)
        {
            if (!history.TryGetValue(query, out var samples))
            {
                return null;
            }
            var points = new List<QueryMetricsPoint>(samples.Count);
            Sample? previous = null;
            foreach (var sample in samples)
            {
                if (previous is not null)
                {
                    points.Add(Point(previous, sample));
                }
                previous = sample;
            }
            return new QueryMetricsSeries(IntervalSeconds, points);
        }
    }

    private QueryMetricsPoint Point(Sample previous, Sample current)
    {
        var lag = current.Watermark is { } watermark
            ? Math.Round((current.At - new DateTimeOffset(DateTime.SpecifyKind(watermark, DateTimeKind.Utc))).TotalSeconds, 3)
            : (double?)null;
        var seconds = time.GetElapsedTime(previous.Ticks, current.Ticks).TotalSeconds;
        // Another run (stop/start, replace) restarts the counters: no rate across it.
        if (current.Run is null || !ReferenceEquals(previous.Run, current.Run) || seconds <= 0)
        {
            return new QueryMetricsPoint(current.At, null, null, null, lag);
        }
        double Rate(long before, long after) => Math.Round(Math.Max(0, after - before) / seconds, 3);
        return new QueryMetricsPoint(current.At, Rate(previous.EventsIn, current.EventsIn), Rate(previous.RowsOut, current.RowsOut),
            Rate(previous.LateEvents, current.LateEvents), lag);
    }

    /// <summary>Takes one sample of every registered query; public so tests can drive it with a fake clock.</summary>
    public void Take()
    {
        var ticks = time.GetTimestamp();
        var at = time.GetUtcNow();
        var queries = registry.List();
        lock (gate)
        {
            foreach (var query in queries)
            {
                if (!history.TryGetValue(query.Name, out var samples))
                {
                    history[query.Name] = samples = new Queue<Sample>(Capacity + 2);
                }
                var run = query.Run;
                samples.Enqueue(run is null
                    ? new Sample(ticks, at, null, 0, 0, 0, null)
                    : new Sample(ticks, at, run, run.EventsIn, run.RowsOut, run.Stats.LateEvents, run.Stats.Watermark));
                // Capacity intervals need one sample more.
                while (samples.Count > Capacity + 1)
                {
                    samples.Dequeue();
                }
            }
            // A deleted query's series goes with it; one registered again under its name starts afresh.
            var live = queries.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in history.Keys.Where(name => !live.Contains(name)).ToList())
            {
                history.Remove(gone);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(IntervalSeconds), time);
        try
        {
            do
            {
                Take();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
