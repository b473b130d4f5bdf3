using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Expressions;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Operators;

/// <summary>What a pipeline is built from: one observable per input and the counters to keep.</summary>
internal sealed record BuildContext(IReadOnlyList<IObservable<InputEvent>> Inputs, QueryStats Stats);

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
                return ctx => new SourceOperator(ctx.Inputs[index], delay, ctx.Stats);
            }
            case FilterNode filter:
            {
                var input = Create(filter.Input);
                var predicate = ExpressionCompiler.CompilePredicate(filter.Predicate);
                var where = $"filter {filter.Predicate}";
                return ctx => new UnaryOperator(input(ctx), o => new FilterSink(o, predicate, where));
            }
            case ProjectNode project:
            {
                var input = Create(project.Input);
                var build = ExpressionCompiler.CompileRow(project.Expressions);
                var where = "SELECT list";
                return ctx => new UnaryOperator(input(ctx), o => new ProjectSink(o, build, where));
            }
            case WindowNode window:
                return CreateWindow(window);
            case AggregateNode aggregate:
                return CreateAggregate(aggregate);
            case DistinctNode distinct:
            {
                var input = Create(distinct.Input);
                var width = distinct.Columns.Count;
                return ctx => new UnaryOperator(input(ctx), o => new DistinctSink(o, width, ctx.Stats));
            }
            case JoinNode join:
                return CreateJoin(join);
            default:
                throw new InvalidOperationException($"No operator for {node.GetType().Name}.");
        }
    }

    private static Func<BuildContext, IObservable<Element>> CreateWindow(WindowNode window)
    {
        var input = Create(window.Input);
        if (window.Spec.Kind == Sql.WindowKind.Session) return input; // the session aggregate assigns windows itself
        var spec = window.Spec;
        var timeColumn = window.TimeColumn;
        var width = window.Input.Columns.Count;
        return ctx => new UnaryOperator(input(ctx), o => new WindowAssignSink(o, spec, timeColumn, width, ctx.Stats));
    }

    private static Func<object?[], object?>[] CompileAll(IEnumerable<BoundExpr> exprs) => exprs.Select(ExpressionCompiler.CompileValue).ToArray();

    private static Func<BuildContext, IObservable<Element>> CreateAggregate(AggregateNode node)
    {
        var input = Create(node.Input);
        var keys = CompileAll(node.Keys);
        var specs = node.Aggregates.Select(a => new AggregateSpec(a, a.Argument is null ? null : ExpressionCompiler.CompileValue(a.Argument), node.Input.IsUpdating)).ToArray();
        var where = node.ToString().Length > 0 ? "aggregate" : "";
        switch (node.Windowing)
        {
            case KeyWindowing kw:
                return ctx => new UnaryOperator(input(ctx), o => new WindowAggregateSink(o, keys, kw.KeyIndex, kw.EndOffset.Ticks, specs, ctx.Stats, where));
            case SessionWindowing sw:
            {
                var time = ExpressionCompiler.CompileValue(new BoundColumn(sw.TimeColumn, "time", node.Input.Columns[sw.TimeColumn].Type, default));
                return ctx => new UnaryOperator(input(ctx), o => new SessionAggregateSink(o, keys, sw.StartKey, sw.EndKey, time, sw.Gap.Ticks, specs, ctx.Stats, where));
            }
            default:
                return ctx => new UnaryOperator(input(ctx), o => new GroupAggregateSink(o, keys, specs, ctx.Stats, where));
        }
    }

    private static Func<BuildContext, IObservable<Element>> CreateJoin(JoinNode join)
    {
        var left = Create(join.Left);
        var right = Create(join.Right);
        var leftKeys = CompileAll(join.LeftKeys);
        var rightKeys = CompileAll(join.RightKeys);
        var residual = join.Residual is null ? null : ExpressionCompiler.CompilePredicate(join.Residual);
        var leftWidth = join.Left.Columns.Count;
        var rightWidth = join.Right.Columns.Count;
        var isLeft = join.Kind == Sql.JoinKind.Left;
        var leftExpiry = join.LeftExpiry.Select(e => new JoinExpiry(ExpressionCompiler.CompileValue(e.Bound), e.Offset.Ticks)).ToArray();
        var rightExpiry = join.RightExpiry.Select(e => new JoinExpiry(ExpressionCompiler.CompileValue(e.Bound), e.Offset.Ticks)).ToArray();
        var appendOnly = !join.IsUpdating;
        return ctx => new BinaryOperator(left(ctx), right(ctx),
            o => new JoinSink(o, leftKeys, rightKeys, residual, leftWidth, rightWidth, isLeft, leftExpiry, rightExpiry, appendOnly, ctx.Stats));
    }
}
