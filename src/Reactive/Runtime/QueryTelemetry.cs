using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// The queries' OpenTelemetry metrics (meter <c>Sluice.Queries</c>), every measurement tagged with
/// <c>query</c>: counts and gauges observed from the running queries when a collector asks, and
/// histograms of the per-event T_read / T_process / T_write, recorded once per batch (the batch's time
/// divided by its events) so the hot loop pays three records per batch, not per event.
/// Counts start again from zero when a query is restarted, as its output does.
/// </summary>
public sealed class QueryTelemetry
{
    public const string MeterName = "Sluice.Queries";
    public const string QueryTag = "query";

    private readonly Histogram<double> read;
    private readonly Histogram<double> process;
    private readonly Histogram<double> write;
    private Func<IEnumerable<QueryRun>> runs = () => [];

    public QueryTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        read = meter.CreateHistogram<double>("sluice.query.read.duration", "ms", "T_read: time to read an event from the store and decode it.");
        process = meter.CreateHistogram<double>("sluice.query.process.duration", "ms", "T_process: time an event spends in the query's operators.");
        write = meter.CreateHistogram<double>("sluice.query.write.duration", "ms", "T_write: time to append an event's results, per input event.");
        meter.CreateObservableCounter("sluice.query.events_in", () => Observe(r => r.EventsIn), "{event}", "Input events processed.");
        meter.CreateObservableCounter("sluice.query.rows_out", () => Observe(r => r.RowsOut), "{row}", "Rows appended to the output stream.");
        meter.CreateObservableCounter("sluice.query.late_events", () => Observe(r => r.Stats.LateEvents), "{event}", "Events dropped as late (behind the watermark).");
        meter.CreateObservableCounter("sluice.query.skipped_events", () => Observe(r => r.SkippedEvents), "{event}", "Input events evicted before the query read them.");
        meter.CreateObservableGauge("sluice.query.state_size", () => Observe(r => r.Stats.StateSize), "{entry}", "Groups, windows and join entries held.");
        meter.CreateObservableGauge("sluice.query.lag", () => Observe(r => r.Positions.Sum(p => Math.Max(0, p.Log.Position.HeadOffset - p.Offset))), "{event}", "Input events appended but not yet read.");
        meter.CreateObservableGauge("sluice.query.watermark", ObserveWatermarks, "ms", "The query's watermark, in milliseconds since the Unix epoch.");
        meter.CreateObservableGauge("sluice.query.running", () => Observe(r => r.State == QueryState.Running ? 1L : 0L), "{query}", "1 while the query runs, 0 when stopped or faulted.");
    }

    /// <summary>Where the observable instruments find the queries; set once by the registry.</summary>
    public void ObserveRuns(Func<IEnumerable<QueryRun>> source) => runs = source;

    public void RecordBatch(string query, int events, long readStarted, long readEnded, long processStarted, long processEnded, long writeEnded)
    {
        if (events <= 0 || !(read.Enabled || process.Enabled || write.Enabled))
        {
            return;
        }
        var tag = new KeyValuePair<string, object?>(QueryTag, query);
        read.Record(PerEvent(readStarted, readEnded, events), tag);
        process.Record(PerEvent(processStarted, processEnded, events), tag);
        write.Record(PerEvent(processEnded, writeEnded, events), tag);
    }

    private static double PerEvent(long start, long end, int events) => Stopwatch.GetElapsedTime(start, end).TotalMilliseconds / events;

    private IEnumerable<Measurement<long>> Observe(Func<QueryRun, long> value) =>
        runs().Select(r => new Measurement<long>(value(r), new KeyValuePair<string, object?>(QueryTag, r.Name))).ToArray();

    private IEnumerable<Measurement<long>> ObserveWatermarks() =>
        runs().Where(r => r.Stats.Watermark is not null)
            .Select(r => new Measurement<long>(
                new DateTimeOffset(r.Stats.Watermark!.Value).ToUnixTimeMilliseconds(),
                new KeyValuePair<string, object?>(QueryTag, r.Name)))
            .ToArray();
}
