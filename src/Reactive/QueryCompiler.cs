namespace Sluice.Reactive;

/// <summary>Entry point of the engine: SQL text in, a <see cref="CompiledQuery"/> out.</summary>
public static class QueryCompiler
{
    /// <summary>Maximum accepted query text length, in characters.</summary>
    public const int MaxSqlLength = 100_000;

    /// <summary>Parses, plans and type-checks <paramref name="sql"/> against <paramref name="streams"/>.</summary>
    /// <exception cref="QueryException">The query is invalid; the exception carries line and column.</exception>
    public static CompiledQuery Compile(string sql, IStreamShapes streams)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(streams);
        throw new QueryException("The query engine is not built yet.", 1, 1);
    }
}
