namespace Sluice.Reactive;

/// <summary>How <see cref="QueryCompiler"/> builds a query's pipelines.</summary>
public sealed record QueryCompileOptions
{
    /// <summary>The defaults: non-strict rows (SPEC §4).</summary>
    public static readonly QueryCompileOptions Default = new();

    /// <summary>
    /// False (default): an expression that fails on one row (division by zero, a failed cast) yields NULL for that row
    /// and is counted in <see cref="QueryStats.RowErrors"/>, as RisingWave's non-strict mode does. True: such a row
    /// ends the pipeline with OnError, so the host faults the query.
    /// </summary>
    public bool StrictErrors { get; init; }

    /// <summary>What the query may take of the process (SPEC §8).</summary>
    public QueryLimits Limits { get; init; } = QueryLimits.Default;
}
