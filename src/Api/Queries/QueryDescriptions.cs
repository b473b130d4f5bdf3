using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

/// <summary>Turns registry state into the API's answers.</summary>
internal static class QueryDescriptions
{
    public static IReadOnlyList<ColumnSchema> Schema(CompiledQuery compiled) =>
        compiled.OutputColumns.Select(c => new ColumnSchema(c.Name, StoreStreamShapes.TypeName(c.Type))).ToArray();

    public static QueryValidation Validation(CompiledQuery compiled) => new(
        Schema(compiled),
        compiled.Inputs.Select(i => i.Stream).Distinct(StringComparer.Ordinal).ToArray(),
        compiled.IsUpdating,
        compiled.Plan);

    public static QueryInfo Info(RegisteredQuery query)
    {
        var run = query.Run;
        return new QueryInfo(
            query.Name,
            query.Compiled.Sql,
            query.State.ToString().ToLowerInvariant(),
            run?.Error ?? query.RecoveryError,
            query.Compiled.IsUpdating,
            query.From.ToString().ToLowerInvariant(),
            query.Durable,
            query.NotDurableReason,
            query.OutputStart,
            Backfill(query),
            Schema(query.Compiled),
            query.InputStreams,
            query.Compiled.Plan,
            query.CreatedAt,
            query.StartedAt,
            Metrics(run),
            run?.Recovery is { } r
                ? new QueryRecoveryInfo(r.FromCheckpoint, r.Offsets, r.CheckpointTakenAt, r.RestoredStateEntries, r.JournalBatches, r.RowsSkipped, r.ReplayedEvents,
                    Math.Round(r.RestoreTime.TotalMilliseconds, 1))
                : null);
    }

    private static BackfillProgress? Backfill(RegisteredQuery query)
    {
        if (query.Backfill is not { } backfill)
        {
            return null;
        }
        var progress = backfill.Progress(query.Run?.Offsets ?? backfill.From);
        var inputs = progress
            .Select((p, i) => new BackfillInput(query.Compiled.Inputs[i].Stream, backfill.From.Offsets[i], backfill.Until.Offsets[i], p.Done, p.Total))
            .ToArray();
        return new BackfillProgress(inputs.All(i => i.Done == i.Total), inputs);
    }

    private static QueryMetrics Metrics(QueryRun? run)
    {
        if (run is null)
        {
            return new QueryMetrics(0, 0, 0, 0, null, 0, [], new Latency(null, null), new Latency(null, null), new Latency(null, null), 0, []);
        }
        var inputs = run.Positions
            .Select(p =>
            {
                var head = p.Log.Position.HeadOffset;
                return new InputPosition(p.Log.Definition.Name, p.Offset, head, Math.Max(0, head - p.Offset));
            })
            .ToArray();
        return new QueryMetrics(
            run.EventsIn,
            run.RowsOut,
            run.Stats.LateEvents,
            run.SkippedEvents,
            run.Stats.Watermark,
            run.Stats.StateSize,
            inputs,
            Percentiles(run.ReadLatency),
            Percentiles(run.ProcessLatency),
            Percentiles(run.WriteLatency),
            run.Stats.RowErrors,
            run.Stats.RecentRowErrors.Select(e => new RowErrorInfo(e.Message, e.Stream, e.Offset)).ToArray());
    }

    private static Latency Percentiles(LatencyHistogram histogram) => new(histogram.Percentile(0.50), histogram.Percentile(0.99));
}
