using System.Text.Json;

namespace Sluice.Client;

/// <summary>A column of a query's output.</summary>
/// <param name="Type">bigint, double, decimal, text, boolean, timestamp, json, or any.</param>
public sealed record ColumnSchema(string Name, string Type);

/// <summary>What a valid query would produce.</summary>
/// <param name="IsUpdating">True when the output is a changelog (rows carry <c>op</c>).</param>
/// <param name="Plan">The logical plan, EXPLAIN-style.</param>
public sealed record QueryValidation(IReadOnlyList<ColumnSchema> OutputSchema, IReadOnlyList<string> Inputs, bool IsUpdating, string Plan);

/// <summary>A registered query: its definition, state and metrics.</summary>
/// <param name="State"><c>running</c>, <c>stopped</c> or <c>faulted</c>.</param>
/// <param name="Error">Why the query faulted; null otherwise.</param>
/// <param name="From">Where the query starts reading its inputs: <c>earliest</c> or <c>latest</c>.</param>
/// <param name="Durable">True when the query survives a restart of the service where it stands (PostgreSQL, postgres inputs and output).</param>
/// <param name="NotDurableReason">Why <paramref name="Durable"/> is false, in words; null when it is true.</param>
/// <param name="OutputStart">The output offset where this definition's rows begin (after the <c>reset</c> of the last replace).</param>
/// <param name="Backfill">How far the current run has read the input history that existed when it started; null when not known.</param>
public sealed record QueryInfo(
    string Name,
    string Sql,
    string State,
    string? Error,
    bool IsUpdating,
    string From,
    IReadOnlyList<ColumnSchema> OutputSchema,
    IReadOnlyList<string> Inputs,
    string Plan,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    QueryMetrics Metrics,
    bool Durable = false,
    string? NotDurableReason = null,
    long OutputStart = 0,
    BackfillProgress? Backfill = null);

/// <summary>How far a run has rebuilt its output from the input history that existed when it started.</summary>
/// <param name="Complete">True once every input has been read up to where it stood when the run started.</param>
public sealed record BackfillProgress(bool Complete, IReadOnlyList<BackfillInput> Inputs);

/// <summary>One input's backfill: <paramref name="Done"/> of <paramref name="Total"/> offsets, from <paramref name="FromOffset"/> to <paramref name="UntilOffset"/>.</summary>
public sealed record BackfillInput(string Stream, long FromOffset, long UntilOffset, long Done, long Total);

/// <summary>A query's metrics (SPEC §6); latencies in milliseconds.</summary>
public sealed record QueryMetrics(
    long EventsIn,
    long RowsOut,
    long LateEvents,
    long SkippedEvents,
    DateTimeOffset? Watermark,
    long StateSize,
    IReadOnlyList<InputPosition> Inputs,
    Latency Read,
    Latency Process,
    Latency Write);

/// <summary>How far a query has read one of its inputs.</summary>
public sealed record InputPosition(string Stream, long Offset, long HeadOffset, long Lag);

/// <summary>Latency percentiles in milliseconds; null before any event.</summary>
public sealed record Latency(double? P50, double? P99);

/// <summary>The rows a query emitted for the events of a preview.</summary>
public sealed record QueryPreview(IReadOnlyList<ColumnSchema> OutputSchema, bool IsUpdating, int EventsIn, IReadOnlyList<JsonElement> Rows, bool Truncated);

/// <summary>The current result table of an updating query: one row per key.</summary>
public sealed record QueryResults(string Query, IReadOnlyList<ColumnSchema> Columns, long Count, bool Truncated, IReadOnlyList<JsonElement> Rows);

/// <summary>Where a registered (or replacing) query starts reading its inputs.</summary>
public enum QueryStart
{
    /// <summary>From the inputs' first retained offsets, so the output is complete (the default).</summary>
    Earliest,

    /// <summary>Only events appended from now on.</summary>
    Latest,
}
