using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Expressions;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Operators;

/// <summary>What a pipeline is built from: one observable per input, the counters to keep, and where row errors go
/// (null when errors are strict: an expression that throws ends the pipeline).</summary>
internal sealed record BuildContext(IReadOnlyList<IObservable<InputEvent>> Inputs, QueryStats Stats, RowErrorScope? Errors)
{
    /// <summary>The pipeline's processing time; null when the query does not use <c>PROCTIME()</c>.</summary>
    public ProcessingTimeClock? Clock { get; init; }
}

/// <summary>
/// Compiles every expression of a logical plan once, into a factory that wires fresh operators for each
/// <see cref="CompiledQuery.Build"/> (compiled delegates are pure, so pipelines share them safely).
/// </summary>
internal static class PhysicalPlanner
{
    public static Func<BuildContext, IObservable<Element>> Create(PlanNode node)
    {
        switch (node)
        {
            case ScanNode scan:
            {
                var index = scan.InputIndex;
                var delay = scan.WatermarkDelay;
                return ctx => new SourceOperator(ctx.Inputs[index], index, delay, ctx.Stats, ctx.Errors, ctx.Clock);
            }
            case FilterNode filter:
            {
                var input = Create(filter.Input);
                var predicate = ExpressionCompiler.CompilePredicate(filter.Predicate);
                var where = $"filter {filter.Predicate}";
                return ctx => new UnaryOperator(input(ctx), o => new FilterSink(o, predicate, where, ctx.Errors));
            }
            case ProjectNode project when IsIdentity(project):
                // SELECT * (or every column in order, renamed): the rows pass unchanged, so no copy per row.
                return Create(project.Input);
            case ProjectNode { Input: AggregateNode { Windowing: not (KeyWindowing or SessionWindowing) } aggregate } project
                when ColumnsOnly(project) is { } columns:
                // Columns of an updating GROUP BY picked or reordered: the aggregate builds its rows in this layout
                // directly, instead of every change (a retraction and an insertion) being copied once more.
                return CreateAggregate(aggregate, columns);
            case ProjectNode { Input: JoinNode join } project when ColumnsOnly(project) is { } columns:
                // Columns of a join picked or reordered: the join builds its rows in this layout directly.
                return CreateJoin(join, columns);
            case ProjectNode project:
            {
                var input = Create(project.Input);
                var build = ExpressionCompiler.CompileRow(project.Expressions);
                var columns = new Lazy<Func<object?[], object?>[]>(() => CompileAll(project.Expressions));
                var where = "SELECT list";
                return ctx => new UnaryOperator(input(ctx), o => new ProjectSink(o, build, where, ctx.Errors, columns));
            }
            case WindowNode window:
                return CreateWindow(window);
            case AggregateNode aggregate:
                return CreateAggregate(aggregate);
            case DistinctNode distinct:
            {
                var input = Create(distinct.Input);
                return ctx => new UnaryOperator(input(ctx), o => new DistinctSink(o, ctx.Stats));
            }
            case JoinNode join:
                return CreateJoin(join);
            case UnionNode union:
            {
                var parts = union.Parts.Select(Create).ToList();
                return ctx =>
                {
                    var result = parts[0](ctx);
                    for (var i = 1; i < parts.Count; i++)
                    {
                        var left = result;
                        result = new BinaryOperator(left, parts[i](ctx), o => new UnionSink(o));
                    }
                    return result;
                };
            }
            case TopNNode topN:
            {
                var input = Create(topN.Input);
                var partition = CompileAll(topN.Partition);
                var order = CompileAll(topN.Order.Select(o => o.Expr));
                var descending = topN.Order.Select(o => o.Descending).ToArray();
                var limit = (int)topN.Limit!.Value;
                var emitRank = topN.EmitRank;
                var keepAll = topN.Input.IsUpdating;
                return ctx => new UnaryOperator(input(ctx), o =>
                    new TopNSink(o, ctx.Guard(partition, "PARTITION BY"), ctx.Guard(order, "ORDER BY"), descending, limit, emitRank, keepAll, ctx.Stats, "top-N"));
            }
            default:
                throw new InvalidOperationException($"No operator for {node.GetType().Name}.");
        }
    }

    /// <summary>Below a window on a PROCTIME() column: rows timed and watermarks sent by the pipeline's clock (<see cref="ProcessingTimeSink"/>).</summary>
    private static Func<BuildContext, IObservable<Element>> OnProcessingTime(Func<BuildContext, IObservable<Element>> input, WindowNode window)
    {
        if (!window.Spec.ProcessingTime) return input;
        var spec = window.Spec;
        var timeColumn = window.TimeColumn;
        return ctx => new UnaryOperator(input(ctx), o => new ProcessingTimeSink(o, spec, timeColumn,
            ctx.Clock ?? throw new InvalidOperationException("A processing-time window needs the pipeline's clock.")));
    }

    private static Func<BuildContext, IObservable<Element>> CreateWindow(WindowNode window)
    {
        var input = Create(window.Input);
        if (window.Spec.Kind == Sql.WindowKind.Session) return input; // the session aggregate assigns windows itself
        var spec = window.Spec;
        var timeColumn = window.TimeColumn;
        var width = window.Input.Columns.Count;
        input = OnProcessingTime(input, window);
        return ctx => new UnaryOperator(input(ctx), o => new WindowAssignSink(o, spec, timeColumn, width, ctx.Stats));
    }

    private static Func<object?[], object?>[] CompileAll(IEnumerable<BoundExpr> exprs) => exprs.Select(ExpressionCompiler.CompileValue).ToArray();

    /// <summary>The input column each expression is, when every one is a plain column.</summary>
    private static int[]? PlainColumns(IReadOnlyList<BoundExpr> exprs) =>
        exprs.All(e => e is BoundColumn) ? [.. exprs.Select(e => ((BoundColumn)e).Index)] : null;

    private static bool IsIdentity(ProjectNode project) =>
        project.Expressions.Count == project.Input.Columns.Count && ColumnsOnly(project) is { } columns && columns.Select((c, i) => c == i).All(same => same);

    /// <summary>The input column each output column is, when every expression of the SELECT list is a plain column.</summary>
    private static int[]? ColumnsOnly(ProjectNode project) =>
        project.Expressions.All(e => e is BoundColumn) ? [.. project.Expressions.Select(e => ((BoundColumn)e).Index)] : null;

    private static Func<BuildContext, IObservable<Element>> CreateAggregate(AggregateNode node, int[]? outputColumns = null)
    {
        var input = Create(node.Input);
        var keys = CompileAll(node.Keys);
        var specs = CompileSpecs(node.Aggregates, node.Input.IsUpdating);
        const string where = "aggregate";
        switch (node.Windowing)
        {
            case KeyWindowing kw when TrySlice(node, kw) is { } sliced:
                return sliced;
            case KeyWindowing kw:
                return ctx => new UnaryOperator(input(ctx), o =>
                    new WindowAggregateSink(o, ctx.Guard(keys, "GROUP BY"), kw.KeyIndex, kw.EndOffset.Ticks, GuardSpecs(ctx, specs), ctx.Stats, where));
            case SessionWindowing sw:
            {
                var time = ExpressionCompiler.CompileValue(new BoundColumn(sw.TimeColumn, "time", node.Input.Columns[sw.TimeColumn].Type, default));
                return ctx => new UnaryOperator(input(ctx), o =>
                    new SessionAggregateSink(o, ctx.Guard(keys, "GROUP BY"), sw.StartKey, sw.EndKey, time, sw.Gap.Ticks, GuardSpecs(ctx, specs), ctx.Stats, where));
            }
            default:
                return ctx => new UnaryOperator(input(ctx), o => new GroupAggregateSink(o, ctx.Guard(keys, "GROUP BY"), GuardSpecs(ctx, specs), ctx.Stats, where, outputColumns));
        }
    }

    private static AggregateSpec[] CompileSpecs(IEnumerable<AggregateCall> calls, bool retractable) =>
        AggregateSpec.FactorInputs(AggregateSpec.ShareDistinctCounts(calls.Select(a => new AggregateSpec(a, a.Argument is null ? null : ExpressionCompiler.CompileValue(a.Argument), retractable)).ToArray()));

    /// <summary>Aggregate arguments that fail on a row become NULL, which every aggregate but COUNT(*) skips.</summary>
    private static AggregateSpec[] GuardSpecs(BuildContext ctx, AggregateSpec[] specs) =>
        ctx.Errors is null ? specs : specs.Select(s => s.Argument is null ? s : s.WithArgument(ctx.Guard(s.Argument, $"argument of {s.Call}"))).ToArray();

    /// <summary>
    /// Fuses GROUP BY window_start/window_end with the TUMBLE/HOP right below it (through filters) when nothing else
    /// reads the window columns: events then update one slice instead of being copied once per window.
    /// </summary>
    private static Func<BuildContext, IObservable<Element>>? TrySlice(AggregateNode node, KeyWindowing windowing)
    {
        var filters = new List<FilterNode>();
        var below = node.Input;
        while (below is FilterNode f)
        {
            filters.Add(f);
            below = f.Input;
        }
        if (below is not WindowNode { Spec.Kind: Sql.WindowKind.Tumble or Sql.WindowKind.Hop } window) return null;
        var width = window.Input.Columns.Count;
        bool ReadsWindow(BoundExpr e) => e.ColumnsUsed().Any(i => i >= width);
        if (filters.Any(f => ReadsWindow(f.Predicate)) || node.Aggregates.Any(a => a.Argument is not null && ReadsWindow(a.Argument))) return null;
        var outputKeys = new int[node.Keys.Count];
        var groupKeys = new List<BoundExpr>();
        for (var i = 0; i < node.Keys.Count; i++)
        {
            var key = node.Keys[i];
            if (key is BoundColumn c && c.Index == width) outputKeys[i] = SlicedWindowAggregateSink.WindowStartKey;
            else if (key is BoundColumn c2 && c2.Index == width + 1) outputKeys[i] = SlicedWindowAggregateSink.WindowEndKey;
            else if (ReadsWindow(key)) return null;
            else
            {
                outputKeys[i] = groupKeys.Count;
                groupKeys.Add(key);
            }
        }
        if (outputKeys[windowing.KeyIndex] >= 0) return null;

        var input = OnProcessingTime(Create(window.Input), window);
        for (var i = filters.Count - 1; i >= 0; i--)
        {
            var inner = input;
            var predicate = ExpressionCompiler.CompilePredicate(filters[i].Predicate);
            var where = $"filter {filters[i].Predicate}";
            input = ctx => new UnaryOperator(inner(ctx), o => new FilterSink(o, predicate, where, ctx.Errors));
        }
        var keys = CompileAll(groupKeys);
        var specs = CompileSpecs(node.Aggregates, false);
        var size = window.Spec.Size.Ticks;
        var slide = window.Spec.Slide.Ticks;
        var timeColumn = window.TimeColumn;
        return ctx => new UnaryOperator(input(ctx), o => new SlicedWindowAggregateSink(o, timeColumn, size, slide, ctx.Guard(keys, "GROUP BY"), outputKeys, GuardSpecs(ctx, specs), ctx.Stats, "window aggregate"));
    }

    private static Func<BuildContext, IObservable<Element>> CreateJoin(JoinNode join, int[]? outputColumns = null)
    {
        var left = Create(join.Left);
        var right = Create(join.Right);
        var leftKeys = CompileAll(join.LeftKeys);
        var rightKeys = CompileAll(join.RightKeys);
        var residual = join.Residual is null ? null : ExpressionCompiler.CompilePredicate(join.Residual);
        var leftWidth = join.Left.Columns.Count;
        var rightWidth = join.Right.Columns.Count;
        var leftOuter = join.Kind is Sql.JoinKind.Left or Sql.JoinKind.Full;
        var rightOuter = join.Kind == Sql.JoinKind.Full;
        var leftExpiry = join.LeftExpiry.Select(e => new JoinExpiry(ExpressionCompiler.CompileValue(e.Bound), e.Offset.Ticks)).ToArray();
        var rightExpiry = join.RightExpiry.Select(e => new JoinExpiry(ExpressionCompiler.CompileValue(e.Bound), e.Offset.Ticks)).ToArray();
        var appendOnly = !join.IsUpdating;
        var leftKeyColumns = PlainColumns(join.LeftKeys);
        var rightKeyColumns = PlainColumns(join.RightKeys);
        return ctx => new BinaryOperator(left(ctx), right(ctx),
            o => new JoinSink(o, ctx.Guard(leftKeys, "join key"), ctx.Guard(rightKeys, "join key"), ctx.GuardOptional(residual, "join condition"), leftWidth, rightWidth, leftOuter, rightOuter, leftExpiry, rightExpiry, appendOnly, ctx.Stats, outputColumns, leftKeyColumns, rightKeyColumns));
    }
}
