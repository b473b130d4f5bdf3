using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive;

/// <summary>Entry point of the engine: SQL text in, a <see cref="CompiledQuery"/> out.</summary>
public static class QueryCompiler
{
    /// <summary>Maximum accepted query text length, in characters.</summary>
    public const int MaxSqlLength = 100_000;

    /// <summary>Whether the text calls <c>PROCTIME()</c> (the only place the name can be followed by a parenthesis; strings and comments are other tokens).</summary>
    private static bool UsesProcTime(string sql)
    {
        var tokens = Lexer.Tokenize(sql);
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].IsKeyword("PROCTIME") && tokens[i + 1].IsSymbol("(")) return true;
        }
        return false;
    }

    /// <summary>Parses, plans and type-checks <paramref name="sql"/> against <paramref name="streams"/>.</summary>
    /// <exception cref="QueryException">The query is invalid; the exception carries line and column.</exception>
    public static CompiledQuery Compile(string sql, IStreamShapes streams) => Compile(sql, streams, QueryCompileOptions.Default);

    /// <summary>Parses, plans and type-checks <paramref name="sql"/> against <paramref name="streams"/> within <paramref name="limits"/>.</summary>
    /// <exception cref="QueryException">The query is invalid (or over <see cref="QueryLimits.MaxWindowsPerEvent"/>); the exception carries line and column.</exception>
    public static CompiledQuery Compile(string sql, IStreamShapes streams, QueryLimits limits) =>
        Compile(sql, streams, QueryCompileOptions.Default with { Limits = limits });

    /// <summary>Parses, plans and type-checks <paramref name="sql"/> against <paramref name="streams"/>, building pipelines as <paramref name="options"/> say.</summary>
    /// <exception cref="QueryException">The query is invalid (or over <see cref="QueryLimits.MaxWindowsPerEvent"/>); the exception carries line and column.</exception>
    public static CompiledQuery Compile(string sql, IStreamShapes streams, QueryCompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var limits = options.Limits;
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(streams);
        if (sql.Length > MaxSqlLength)
            throw new QueryException($"The query is {sql.Length} characters long; the limit is {MaxSqlLength}.", 1, 1);
        if (string.IsNullOrWhiteSpace(sql))
            throw new QueryException("The query is empty; expected SELECT.", 1, 1);

        var ast = Parser.Parse(sql);
        var (plan, inputs) = Planner.Plan(ast, streams, limits);
        var outputColumns = plan.Columns.Select(c => new ColumnInfo(c.Name, SqlTypes.ToColumnType(c.Type))).ToList();
        var factory = PhysicalPlanner.Create(plan);
        var inputCount = inputs.Count;
        var inputStreams = inputs.Select(i => i.Stream).ToArray();
        var strict = options.StrictErrors;
        var usesProcessingTime = UsesProcTime(sql);
        return new CompiledQuery(sql, inputs, outputColumns, plan.IsUpdating, plan.Explain(), (observables, stats, clock) =>
        {
            ArgumentNullException.ThrowIfNull(observables);
            ArgumentNullException.ThrowIfNull(stats);
            if (observables.Count != inputCount)
                throw new ArgumentException($"The query reads {inputCount} input(s) but {observables.Count} observable(s) were given.", nameof(observables));
            stats.StateRowLimit = limits.StateRows;
            var context = new BuildContext(observables, stats, strict ? null : new RowErrorScope(stats, inputStreams))
            {
                Clock = usesProcessingTime ? clock ?? new ProcessingTimeClock(TimeProvider.System) : null,
            };
            return new OutputOperator(factory(context), stats);
        })
        {
            UsesProcessingTime = usesProcessingTime,
        };
    }
}
