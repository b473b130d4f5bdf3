using System.Globalization;
using System.Text;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Planning;

/// <summary>TUMBLE (size = slide), HOP (slide, size) or SESSION (gap).</summary>
internal sealed record WindowSpec(WindowKind Kind, TimeSpan Size, TimeSpan Slide, TimeSpan Gap)
{
    /// <summary>On a <c>PROCTIME()</c> column: the windows close by the clock, not by the event-time watermark.</summary>
    public bool ProcessingTime { get; init; }

    public override string ToString() => (Kind switch
    {
        WindowKind.Tumble => $"TUMBLE({Format(Size)})",
        WindowKind.Hop => $"HOP(slide {Format(Slide)}, size {Format(Size)})",
        _ => $"SESSION(gap {Format(Gap)})",
    }) + (ProcessingTime ? " on processing time" : "");

    public static string Format(TimeSpan span) => span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
}

/// <summary>
/// A column of a plan node's output. <see cref="RowTimeOffset"/> is set when value + offset equals the row's event
/// time (the stream's time column, a window result's window_end); <see cref="Window"/> marks window_start/window_end.
/// </summary>
internal sealed record PlanColumn(string Name, string? Qualifier, SqlType Type, TimeSpan? RowTimeOffset = null, WindowSpec? Window = null, bool IsWindowEnd = false)
{
    /// <summary>The column is <c>PROCTIME()</c> (or passes it through): TUMBLE and HOP on it are processing-time windows.</summary>
    public bool IsProcessingTime { get; init; }

    public string Display => Qualifier is null ? Name : $"{Qualifier}.{Name}";
}

internal sealed record AggregateCall(AggregateKind Kind, BoundExpr? Argument, bool Distinct, SqlType Type)
{
    /// <summary>STRING_AGG / FIRST_VALUE / LAST_VALUE: whether each ORDER BY key (after the value in the argument tuple) is descending.</summary>
    public IReadOnlyList<bool> Descending { get; init; } = [];

    /// <summary>STRING_AGG's separator.</summary>
    public string Separator { get; init; } = "";

    public override string ToString() => Kind switch
    {
        AggregateKind.CountStar => "COUNT(*)",
        AggregateKind.StringAgg => $"STRING_AGG({Argument}, '{Separator}'{Order()})",
        AggregateKind.FirstValue or AggregateKind.LastValue => $"{Kind.ToString().ToUpperInvariant()}({Argument}{Order()})",
        _ => $"{Kind.ToString().ToUpperInvariant()}({(Distinct ? "DISTINCT " : "")}{Argument})",
    };

    private string Order() => Descending.Count == 0 ? "" : $" ORDER BY {string.Join(", ", Descending.Select((d, i) => $"key{i + 1}{(d ? " DESC" : "")}"))}";
}

internal enum AggregateKind { CountStar, Count, Sum, Avg, Min, Max, StringAgg, FirstValue, LastValue }

/// <summary>How an aggregate closes its groups: never (changelog), by a window key, or by session gaps.</summary>
internal abstract record AggregateWindowing;

internal sealed record NoWindowing : AggregateWindowing;

/// <summary>Grouped by a window: the key at <see cref="KeyIndex"/> plus <see cref="EndOffset"/> is the window's end.</summary>
internal sealed record KeyWindowing(int KeyIndex, TimeSpan EndOffset) : AggregateWindowing;

/// <summary>Session windows over <see cref="TimeColumn"/>; keys at the given indexes receive window_start / window_end.</summary>
internal sealed record SessionWindowing(int TimeColumn, TimeSpan Gap, int StartKey, int EndKey) : AggregateWindowing;

internal abstract record PlanNode(IReadOnlyList<PlanColumn> Columns, bool IsUpdating)
{
    public abstract IEnumerable<PlanNode> Inputs { get; }

    protected abstract string Describe();

    public string Explain()
    {
        var sb = new StringBuilder();
        var stack = new Stack<(PlanNode Node, int Depth)>();
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            sb.Append(' ', depth * 2).Append(node.Describe());
            if (node.IsUpdating) sb.Append(" [changelog]");
            sb.Append('\n');
            foreach (var input in node.Inputs.Reverse()) stack.Push((input, depth + 1));
        }
        return sb.ToString();
    }

    protected static string List(IEnumerable<object> items) => string.Join(", ", items);
}

internal sealed record ScanNode(int InputIndex, string Stream, IReadOnlyList<PlanColumn> Columns, TimeSpan WatermarkDelay) : PlanNode(Columns, false)
{
    public override IEnumerable<PlanNode> Inputs => [];

    protected override string Describe() =>
        $"Scan {Stream} (input {InputIndex}, watermark delay {WindowSpec.Format(WatermarkDelay)}) [{List(Columns.Select(c => $"{c.Name} {SqlTypes.Name(c.Type)}"))}]";
}

/// <summary>Adds window_start and window_end to each row (one copy per window for HOP). SESSION is resolved by the aggregate.</summary>
internal sealed record WindowNode(PlanNode Input, WindowSpec Spec, int TimeColumn, IReadOnlyList<PlanColumn> Columns) : PlanNode(Columns, Input.IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe() => $"Window {Spec} on {Input.Columns[TimeColumn].Name}#{TimeColumn}";
}

internal sealed record FilterNode(PlanNode Input, BoundExpr Predicate) : PlanNode(Input.Columns, Input.IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe() => $"Filter {Predicate}";
}

internal sealed record ProjectNode(PlanNode Input, IReadOnlyList<BoundExpr> Expressions, IReadOnlyList<PlanColumn> Columns) : PlanNode(Columns, Input.IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe() => $"Project [{List(Expressions.Select((e, i) => $"{e} AS {Columns[i].Name}"))}]";
}

internal sealed record AggregateNode(
    PlanNode Input,
    IReadOnlyList<BoundExpr> Keys,
    IReadOnlyList<AggregateCall> Aggregates,
    AggregateWindowing Windowing,
    IReadOnlyList<PlanColumn> Columns,
    bool IsUpdating) : PlanNode(Columns, IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe()
    {
        var mode = Windowing switch
        {
            KeyWindowing k => $"WindowAggregate (closes when the watermark passes key {k.KeyIndex} + {WindowSpec.Format(k.EndOffset)})",
            SessionWindowing s => $"SessionAggregate (gap {WindowSpec.Format(s.Gap)} on #{s.TimeColumn})",
            _ => "GroupAggregate",
        };
        return $"{mode} keys [{List(Keys)}] aggregates [{List(Aggregates)}]";
    }
}

/// <summary>A bound on the other side's event time from a stored row: the row can match nothing once the
/// other side's watermark passes <see cref="Bound"/> (over the row's own layout) + <see cref="Offset"/>.</summary>
internal sealed record ExpiryBound(BoundExpr Bound, TimeSpan Offset)
{
    public override string ToString() => Offset == TimeSpan.Zero ? Bound.ToString() : $"{Bound} + {WindowSpec.Format(Offset)}";
}

/// <summary>
/// An inner, left or full join (RIGHT is planned as LEFT with the sides swapped). Equality conjuncts become hash keys; <see cref="Residual"/> holds every other conjunct
/// (over the combined row: left columns, then right columns). <see cref="LeftExpiry"/> / <see cref="RightExpiry"/>
/// say when a stored row can no longer match (interval and window joins), so its state is released by watermark.
/// </summary>
internal sealed record JoinNode(
    PlanNode Left,
    PlanNode Right,
    JoinKind Kind,
    IReadOnlyList<BoundExpr> LeftKeys,
    IReadOnlyList<BoundExpr> RightKeys,
    BoundExpr? Residual,
    IReadOnlyList<ExpiryBound> LeftExpiry,
    IReadOnlyList<ExpiryBound> RightExpiry,
    IReadOnlyList<BoundExpr> Conditions,
    IReadOnlyList<PlanColumn> Columns,
    bool IsUpdating) : PlanNode(Columns, IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Left, Right];

    protected override string Describe()
    {
        var kind = Kind switch { JoinKind.Left => "LeftJoin", JoinKind.Full => "FullJoin", _ => "Join" };
        var keys = List(LeftKeys.Select((k, i) => $"{k} = {RightKeys[i]}"));
        var text = $"{kind} keys [{keys}]" + (Residual is null ? "" : $" where {Residual}");
        if (LeftExpiry.Count > 0) text += $"; left rows expire when the right watermark passes {string.Join(" / ", LeftExpiry)}";
        if (RightExpiry.Count > 0) text += $"; right rows expire when the left watermark passes {string.Join(" / ", RightExpiry)}";
        return text;
    }
}

/// <summary>SELECT DISTINCT: each distinct row once (a changelog when the input is one).</summary>
internal sealed record DistinctNode(PlanNode Input) : PlanNode(Input.Columns, Input.IsUpdating)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe() => "Distinct";
}

/// <summary>UNION ALL: every input's rows, in the columns of the first (the planner has cast the others to match).</summary>
internal sealed record UnionNode(IReadOnlyList<PlanNode> Parts, IReadOnlyList<PlanColumn> Columns) : PlanNode(Columns, Parts.Any(p => p.IsUpdating))
{
    public override IEnumerable<PlanNode> Inputs => Parts;

    protected override string Describe() => $"UnionAll ({Parts.Count} inputs)";
}

internal sealed record SortKey(BoundExpr Expr, bool Descending)
{
    public override string ToString() => Descending ? $"{Expr} DESC" : Expr.ToString();
}

/// <summary>
/// The first <see cref="Limit"/> rows of each partition in sort order (ROW_NUMBER() OVER … filtered by rn &lt;= N, or
/// ORDER BY … LIMIT N). <see cref="Limit"/> is null only while planning, until the filter on the rank is found.
/// With <see cref="EmitRank"/> the output has one more column, the 1-based rank.
/// </summary>
internal sealed record TopNNode(
    PlanNode Input,
    IReadOnlyList<BoundExpr> Partition,
    IReadOnlyList<SortKey> Order,
    long? Limit,
    bool EmitRank,
    Sql.SourcePos Pos,
    IReadOnlyList<PlanColumn> Columns) : PlanNode(Columns, true)
{
    public override IEnumerable<PlanNode> Inputs => [Input];

    protected override string Describe() =>
        $"TopN {Limit} partition [{List(Partition)}] order [{List(Order)}]{(EmitRank ? " with rank" : "")}"
        + (Input.IsUpdating ? " (keeps every row: an updating input may retract from the top)" : $" (keeps {Limit} rows per partition)");
}
