using System.Text.Json;
using Sluice.Api.Infrastructure;

namespace Sluice.Api.Queries;

/// <summary>A continuous query to register.</summary>
/// <param name="Name">The query's name, which is also the name of the output stream it writes to; same rules as a stream name.</param>
/// <param name="Sql">The query text, e.g. <c>SELECT auction, price FROM bid WHERE price &gt; 100</c>.</param>
/// <param name="From"><c>earliest</c> (default): read the inputs from their first retained offset, so the output is complete; <c>latest</c>: only events appended from now on.</param>
public sealed record CreateQueryRequest(string? Name, string? Sql, string? From = null);

/// <summary>A new definition for a registered query (<c>PUT /api/queries/{name}</c>).</summary>
/// <param name="Sql">The new query text; its output columns may differ from the old one's (the output stream gets the new schema).</param>
/// <param name="From"><c>earliest</c> (default): rebuild the output from the inputs' first retained offsets (the backfill); <c>latest</c>: only events appended from now on.</param>
public sealed record ReplaceQueryRequest(string? Sql, string? From = null);

/// <summary>A query to check without registering it.</summary>
/// <param name="Sql">The query text.</param>
public sealed record ValidateQueryRequest(string? Sql);

/// <summary>A query to try out on events given in the request.</summary>
/// <param name="Sql">The query text; its input streams must exist (their schema and timestampField apply to the events).</param>
/// <param name="Events">Events per input stream name, each an array of JSON objects as they would be appended. Streams the query reads but that are not listed get no events.</param>
public sealed record PreviewQueryRequest(string? Sql, Dictionary<string, JsonElement[]>? Events);

/// <summary>A column of a query's output.</summary>
/// <param name="Name">The column name, as it appears in output rows.</param>
/// <param name="Type">bigint, double, decimal, text, boolean, timestamp, json, or any (type known only at run time).</param>
public sealed record ColumnSchema(string Name, string Type);

/// <summary>What a valid query would produce.</summary>
/// <param name="OutputSchema">The output columns, in order.</param>
/// <param name="Inputs">The streams the query reads.</param>
/// <param name="IsUpdating">True when the query emits a changelog (each row carries <c>"op": "+"</c> or <c>"op": "-"</c>); false for append-only queries.</param>
/// <param name="Plan">The logical plan, EXPLAIN-style.</param>
public sealed record QueryValidation(IReadOnlyList<ColumnSchema> OutputSchema, IReadOnlyList<string> Inputs, bool IsUpdating, string Plan);

/// <summary>A registered query: its definition, its state and its metrics.</summary>
/// <param name="Name">The query's name and the name of its output stream.</param>
/// <param name="Sql">The query text as registered.</param>
/// <param name="State"><c>running</c>, <c>stopped</c> or <c>faulted</c>.</param>
/// <param name="Error">Why the query faulted; absent otherwise.</param>
/// <param name="IsUpdating">True when the output is a changelog (rows carry <c>op</c>).</param>
/// <param name="From">Where the query starts reading its inputs: <c>earliest</c> or <c>latest</c>.</param>
/// <param name="Durable">True when the query survives a restart of the service exactly where it stands: PostgreSQL is configured and it reads
/// postgres streams only (its output is then a postgres stream). False otherwise: without PostgreSQL, queries and memory streams end with the
/// process; with it, a query over a memory stream comes back (definition and state) but starts afresh, as its inputs restarted empty.</param>
/// <param name="NotDurableReason">Why <c>durable</c> is false, in words (e.g. PostgreSQL is not configured, so the query is gone after a restart); absent when it is true.</param>
/// <param name="OutputStart">The offset in the output stream where this definition's rows begin: 0, or after the <c>reset</c> event of the last replace.</param>
/// <param name="Backfill">How far the current (or last) run has read the input history that existed when it started (a replace rebuilds its output from it); absent when not known.</param>
/// <param name="OutputSchema">The output columns, in order.</param>
/// <param name="Inputs">The streams the query reads.</param>
/// <param name="Plan">The logical plan, EXPLAIN-style.</param>
/// <param name="CreatedAt">When the query was registered.</param>
/// <param name="StartedAt">When the current (or last) run started.</param>
/// <param name="Metrics">Counts, watermark, state size, input positions and latency percentiles of the current (or last) run.</param>
/// <param name="Recovery">What the current run's recovery after a restart did (a durable query resumed); absent for a run started by a request.</param>
/// <param name="MetricsHistory">The query's metrics over the last five minutes, one point per second as the server samples them (events/s in and
/// out, late events/s, watermark lag behind the wall clock); on <c>GET /api/queries/{name}</c> only, absent in lists and other answers.</param>
public sealed record QueryInfo(
    string Name,
    string Sql,
    string State,
    string? Error,
    bool IsUpdating,
    string From,
    bool Durable,
    string? NotDurableReason,
    long OutputStart,
    BackfillProgress? Backfill,
    IReadOnlyList<ColumnSchema> OutputSchema,
    IReadOnlyList<string> Inputs,
    string Plan,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    QueryMetrics Metrics,
    QueryRecoveryInfo? Recovery = null,
    QueryMetricsSeries? MetricsHistory = null);

/// <summary>A query's metrics over time, sampled by the server every <c>intervalSeconds</c>; the last five minutes, oldest point first.</summary>
/// <param name="IntervalSeconds">Seconds between two samples (1).</param>
/// <param name="Points">One point per interval, oldest first; empty until the query has been sampled twice.</param>
public sealed record QueryMetricsSeries(int IntervalSeconds, IReadOnlyList<QueryMetricsPoint> Points);

/// <summary>The query's metrics over one sampling interval, ending at <c>at</c>. Rates are absent over an interval in which the query
/// was not running or started another run (stop and start, replace), since its counters restarted.</summary>
/// <param name="At">When the interval ended (the server's clock).</param>
/// <param name="EventsInPerSecond">Input events processed per second over the interval.</param>
/// <param name="RowsOutPerSecond">Rows appended to the output stream per second over the interval.</param>
/// <param name="LateEventsPerSecond">Events dropped as late per second over the interval.</param>
/// <param name="WatermarkLagSeconds">How far the query's watermark trailed the server's wall clock at <c>at</c>, in seconds; absent before any event.
/// For event time far from now (replayed history) this is large, which is what it is.</param>
public sealed record QueryMetricsPoint(DateTimeOffset At, double? EventsInPerSecond, double? RowsOutPerSecond, double? LateEventsPerSecond, double? WatermarkLagSeconds);

/// <summary>How a durable query resumed after a restart: from a checkpoint of its state, or by replaying its inputs from its run's start.</summary>
/// <param name="FromCheckpoint">True when operator state and input offsets came from the query's last checkpoint.</param>
/// <param name="Offsets">Per input (in the order the query reads them, an input read twice listed twice), the offset reading resumed from.</param>
/// <param name="CheckpointTakenAt">When that checkpoint was taken; absent without one.</param>
/// <param name="RestoredStateEntries">Groups, windows and join rows read back from the checkpoint.</param>
/// <param name="JournalBatches">Input batches replayed in their journaled order (queries with two or more inputs).</param>
/// <param name="RowsSkipped">Re-produced rows not appended again, because the output stream already held them.</param>
/// <param name="ReplayedEvents">Input events processed again before the query caught up with its output; absent while it still catches up.</param>
/// <param name="RestoreMilliseconds">How long reading the state back took.</param>
public sealed record QueryRecoveryInfo(
    bool FromCheckpoint,
    IReadOnlyList<long> Offsets,
    DateTimeOffset? CheckpointTakenAt,
    long RestoredStateEntries,
    int JournalBatches,
    long RowsSkipped,
    long? ReplayedEvents,
    double RestoreMilliseconds);

/// <summary>How far a run has rebuilt its output from the input history that existed when it started.</summary>
/// <param name="Complete">True once every input has been read up to where it stood when the run started.</param>
/// <param name="Inputs">Per input of the query (a stream read twice appears twice), offsets done of the total.</param>
public sealed record BackfillProgress(bool Complete, IReadOnlyList<BackfillInput> Inputs);

/// <summary>One input's backfill.</summary>
/// <param name="Stream">The input stream.</param>
/// <param name="FromOffset">Where the run started reading it.</param>
/// <param name="UntilOffset">Its head when the run started: the backfill of this input ends there.</param>
/// <param name="Done">Offsets of that range read so far.</param>
/// <param name="Total">Offsets in that range (<c>untilOffset - fromOffset</c>).</param>
public sealed record BackfillInput(string Stream, long FromOffset, long UntilOffset, long Done, long Total);

/// <summary>A query's metrics (SPEC §6). Latencies are per input event, in milliseconds, over the last one to two minutes.</summary>
/// <param name="EventsIn">Input events processed.</param>
/// <param name="RowsOut">Rows appended to the output stream.</param>
/// <param name="LateEvents">Events dropped because they arrived behind the watermark.</param>
/// <param name="SkippedEvents">Input events evicted from a memory stream before the query read them.</param>
/// <param name="Watermark">The query's watermark (minimum over its inputs); absent before any event.</param>
/// <param name="StateSize">Groups, windows and join entries the query holds.</param>
/// <param name="Inputs">Per input: the next offset the query reads, the stream's head, and the lag between them.</param>
/// <param name="Read">T_read: reading an event from the store and decoding it.</param>
/// <param name="Process">T_process: the event's time in the query's operators.</param>
/// <param name="Write">T_write: appending the results, per input event.</param>
/// <param name="RowErrors">Rows on which an expression failed (division by zero, a failed cast) and yielded NULL instead; 0 when <c>Sluice:Queries:StrictErrors</c> is on, since such a row faults the query.</param>
/// <param name="RecentRowErrors">The last few of those errors, oldest first, with the input event being processed.</param>
public sealed record QueryMetrics(
    long EventsIn,
    long RowsOut,
    long LateEvents,
    long SkippedEvents,
    DateTime? Watermark,
    long StateSize,
    IReadOnlyList<InputPosition> Inputs,
    Latency Read,
    Latency Process,
    Latency Write,
    long RowErrors,
    IReadOnlyList<RowErrorInfo> RecentRowErrors);

/// <summary>An expression that failed on one row and yielded NULL.</summary>
/// <param name="Message">What failed and where, e.g. <c>Division by zero (in SELECT list)</c>.</param>
/// <param name="Stream">The input stream whose event was being processed; absent when not known (a window closing on a watermark).</param>
/// <param name="Offset">That event's offset in its stream.</param>
public sealed record RowErrorInfo(string Message, string? Stream, long? Offset);

/// <summary>How far a query has read one of its inputs.</summary>
/// <param name="Stream">The input stream.</param>
/// <param name="Offset">The next offset the query will read.</param>
/// <param name="HeadOffset">The offset the stream's next event will get.</param>
/// <param name="Lag">Events appended but not yet read.</param>
public sealed record InputPosition(string Stream, long Offset, long HeadOffset, long Lag);

/// <summary>Latency percentiles in milliseconds; absent before any event.</summary>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
public sealed record Latency(double? P50, double? P99);

/// <summary>The rows a query emitted for the preview events.</summary>
/// <param name="OutputSchema">The output columns, in order.</param>
/// <param name="IsUpdating">True when rows carry <c>op</c>.</param>
/// <param name="EventsIn">Events pushed into the query.</param>
/// <param name="Rows">The rows, in emission order, as they would be appended to the output stream.</param>
/// <param name="Truncated">True when the query emitted more rows than the preview returns; the events after that point were not pushed.</param>
public sealed record QueryPreview(IReadOnlyList<ColumnSchema> OutputSchema, bool IsUpdating, int EventsIn, IReadOnlyList<RawJson> Rows, bool Truncated);

/// <summary>The current result table of an updating query.</summary>
/// <param name="Query">The query's name.</param>
/// <param name="Columns">The columns of each row.</param>
/// <param name="Count">Rows in the result now.</param>
/// <param name="Truncated">True when the result holds more rows than were returned (see <c>limit</c>).</param>
/// <param name="Rows">The rows, in no particular order.</param>
public sealed record QueryResults(string Query, IReadOnlyList<ColumnSchema> Columns, long Count, bool Truncated, IReadOnlyList<RawJson> Rows);
