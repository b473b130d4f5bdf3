namespace Sluice.Reactive;

/// <summary>One input of a compiled query: which stream it reads and the row layout it expects.</summary>
public sealed record QueryInput(string Stream, IReadOnlyList<ColumnInfo> Columns, TimeSpan WatermarkDelay)
{
    /// <summary>
    /// Which of <see cref="Columns"/> the query reads, one flag per column; null means all of them. A column not read
    /// may be NULL in the rows the query is given, whatever the event holds: the runtime then does not decode it.
    /// </summary>
    public IReadOnlyList<bool>? Reads { get; init; }
}

/// <summary>
/// A query that parsed, resolved and type-checked: its inputs, its output schema, its printed plan,
/// and a factory for the running Rx pipeline. Immutable; build as many pipelines from it as you like.
/// </summary>
public sealed class CompiledQuery(
    string sql,
    IReadOnlyList<QueryInput> inputs,
    IReadOnlyList<ColumnInfo> outputColumns,
    bool isUpdating,
    string plan,
    Func<IReadOnlyList<IObservable<InputEvent>>, QueryStats, ProcessingTimeClock?, IObservable<OutputRow>> build)
{
    /// <summary>A query whose pipelines take no processing-time clock (hosts and tests that wire their own pipelines).</summary>
    public CompiledQuery(
        string sql,
        IReadOnlyList<QueryInput> inputs,
        IReadOnlyList<ColumnInfo> outputColumns,
        bool isUpdating,
        string plan,
        Func<IReadOnlyList<IObservable<InputEvent>>, QueryStats, IObservable<OutputRow>> build)
        : this(sql, inputs, outputColumns, isUpdating, plan, (observables, stats, _) => build(observables, stats))
    {
    }

    public string Sql { get; } = sql;

    /// <summary>
    /// The input streams, in the order <see cref="Build"/> expects their observables: one entry per occurrence of a
    /// stream in the query text (Nexmark q7 reads <c>bid</c> twice, so it lists <c>bid</c> twice; feed the same
    /// events to both observables). For a schemaless stream, <see cref="QueryInput.Columns"/> are the names the query
    /// mentions, typed <see cref="ColumnType.Any"/>; for a stream with a schema, all declared columns.
    /// </summary>
    public IReadOnlyList<QueryInput> Inputs { get; } = inputs;

    public IReadOnlyList<ColumnInfo> OutputColumns { get; } = outputColumns;

    /// <summary>True when the query emits a changelog (rows carry <see cref="ChangeOp"/>); false for append-only queries.</summary>
    public bool IsUpdating { get; } = isUpdating;

    /// <summary>The EXPLAIN-style text of the logical plan.</summary>
    public string Plan { get; } = plan;

    /// <summary>
    /// True when the query calls <c>PROCTIME()</c>: its output depends on when rows are processed, and windows on a
    /// <c>PROCTIME()</c> column close by the clock, so the host fires the pipeline's <see cref="ProcessingTimeClock"/>
    /// when they are due even if no input arrives.
    /// </summary>
    public bool UsesProcessingTime { get; init; }

    /// <summary>
    /// Wires a pipeline over one observable per input (same order as <see cref="Inputs"/>).
    /// Inputs must be pushed from one thread at a time. Rows come out synchronously from the pushes.
    /// When every input completes, open windows are flushed (the watermark goes to +∞) and the output completes.
    /// An expression that throws ends the output with OnError.
    /// The pipeline itself keeps every counter of <paramref name="stats"/> up to date: <see cref="QueryStats.EventsIn"/>
    /// (each input event received), <see cref="QueryStats.RowsOut"/> (each row emitted), <see cref="QueryStats.LateEvents"/>,
    /// <see cref="QueryStats.StateSize"/> and <see cref="QueryStats.Watermark"/>; the host should not add to them.
    /// <c>clock</c> is the pipeline's processing time, used only when <see cref="UsesProcessingTime"/> (default: the
    /// system clock): give each pipeline its own, and call <see cref="ProcessingTimeClock.Fire"/> between pushes so
    /// windows on processing time close when no input arrives.
    /// </summary>
    public IObservable<OutputRow> Build(IReadOnlyList<IObservable<InputEvent>> inputObservables, QueryStats stats, ProcessingTimeClock? clock = null) => build(inputObservables, stats, clock);
}
