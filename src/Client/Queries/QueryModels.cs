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
    QueryMetrics Metrics);

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
