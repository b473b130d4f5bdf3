using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Planning;

/// <summary>Turns a parsed query into a logical plan: resolves streams, windows, joins, grouping and output names.</summary>
internal sealed class Planner
{
    private readonly IStreamShapes streams;
    private readonly List<string> referencedNames;
    private readonly List<QueryInput> inputs = [];
    private readonly QueryLimits limits;

    private Planner(IStreamShapes streams, List<string> referencedNames, QueryLimits limits)
    {
        this.streams = streams;
        this.referencedNames = referencedNames;
        this.limits = limits;
    }

    public static (PlanNode Plan, IReadOnlyList<QueryInput> Inputs) Plan(SelectQuery query, IStreamShapes streams, QueryLimits? limits = null)
    {
        var planner = new Planner(streams, ReferencedNames.Collect(query), limits ?? QueryLimits.Default);
        var plan = planner.PlanQuery(query);
        return (plan, planner.inputs);
    }

    private static QueryException Error(string message, SourcePos pos) => ExpressionBinder.Error(message, pos);

    private PlanNode PlanQuery(SelectQuery query)
    {
        var node = PlanSource(query.From);

        if (query.Where is not null)
        {
            var predicate = ExpressionBinder.Bind(query.Where, node.Columns, null, "WHERE");
            RequireCondition(predicate, "WHERE");
            node = ApplyConditions(node, Conjuncts(predicate));
        }

        var collector = new AggregateCollector();
        var items = new List<(BoundExpr Expr, string Name, SourcePos Pos)>();
        var ordinal = 0;
        foreach (var item in query.Items)
        {
            ordinal++;
            if (item.Expr is StarExpr star)
            {
                var any = false;
                for (var i = 0; i < node.Columns.Count; i++)
                {
                    var c = node.Columns[i];
                    if (star.Qualifier is not null && !string.Equals(c.Qualifier, star.Qualifier, StringComparison.OrdinalIgnoreCase)) continue;
                    items.Add((new BoundColumn(i, c.Name, c.Type, star.Pos), c.Name, star.Pos));
                    any = true;
                }
                if (!any)
                    throw Error(star.Qualifier is null ? "SELECT * needs a stream with a declared schema" : $"Unknown stream or alias '{star.Qualifier}'", star.Pos);
                continue;
            }
            var bound = ExpressionBinder.Bind(item.Expr, node.Columns, collector, "SELECT");
            if (bound.Type == SqlType.Interval) throw Error("An interval cannot be a result column; add it to a timestamp", item.Pos);
            items.Add((bound, item.Alias ?? DefaultName(item.Expr, ordinal), item.Pos));
        }

        BoundExpr? having = null;
        if (query.Having is not null)
        {
            having = ExpressionBinder.Bind(query.Having, node.Columns, collector, "HAVING");
            RequireCondition(having, "HAVING");
        }

        if (query.GroupBy.Count > 0 || collector.Calls.Count > 0)
        {
            var keys = query.GroupBy.Select(g => ExpressionBinder.Bind(g, node.Columns, null, "GROUP BY")).ToList();
            var aggregate = MakeAggregate(node, keys, collector.Calls, query.Pos);
            var keyTexts = keys.Select(k => k.ToString()).ToList();
            BoundExpr Regroup(BoundExpr e) => e.Rewrite(x =>
            {
                var keyIndex = keyTexts.IndexOf(x.ToString());
                if (keyIndex >= 0) return new BoundColumn(keyIndex, aggregate.Columns[keyIndex].Name, x.Type, x.Pos);
                return x switch
                {
                    BoundAggregateRef a => new BoundColumn(keys.Count + a.Index, aggregate.Columns[keys.Count + a.Index].Name, a.Type, a.Pos),
                    BoundColumn c => throw Error($"Column '{node.Columns[c.Index].Display}' must appear in GROUP BY or be used in an aggregate function", c.Pos),
                    _ => null,
                };
            });
            for (var i = 0; i < items.Count; i++) items[i] = (Regroup(items[i].Expr), items[i].Name, items[i].Pos);
            node = aggregate;
            if (having is not null) node = new FilterNode(node, Regroup(having));
        }
        else if (having is not null)
        {
            throw Error("HAVING needs GROUP BY or an aggregate function", query.Having!.Pos);
        }

        node = Project(node, items);
        if (query.Distinct) node = new DistinctNode(node);
        return node;
    }

    private static void RequireCondition(BoundExpr e, string clause)
    {
        if (e.Type is not (SqlType.Boolean or SqlType.Any or SqlType.Null))
            throw Error($"{clause} needs a boolean condition, not {SqlTypes.Name(e.Type)}", e.Pos);
    }

    private static string DefaultName(Expr expr, int ordinal) => expr switch
    {
        ColumnExpr c => c.Name,
        JsonAccessExpr j => j.Key,
        CallExpr call when !call.Name.Contains('.', StringComparison.Ordinal) => call.Name.ToLowerInvariant(),
        CastExpr cast => DefaultName(cast.Operand, ordinal),
        _ => $"expr{ordinal}",
    };

    private static PlanNode Project(PlanNode input, List<(BoundExpr Expr, string Name, SourcePos Pos)> items)
    {
        var columns = new List<PlanColumn>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (expr, name, _) in items)
        {
            var unique = name;
            for (var n = 2; !names.Add(unique); n++) unique = $"{name}_{n}";
            columns.Add(expr is BoundColumn c
                ? input.Columns[c.Index] with { Name = unique, Qualifier = null }
                : new PlanColumn(unique, null, expr.Type == SqlType.Null ? SqlType.Any : expr.Type));
        }
        return new ProjectNode(input, items.Select(i => i.Expr).ToList(), columns);
    }

    // ---- sources ----

    private PlanNode PlanSource(Source source)
    {
        switch (source)
        {
            case StreamSource s:
                return Scan(s.Name, s.Alias ?? s.Name, s.Pos);
            case WindowSource w:
                return PlanWindow(w);
            case SubquerySource sub:
            {
                var inner = PlanQuery(sub.Query);
                var columns = inner.Columns.Select(c => c with { Qualifier = sub.Alias }).ToList();
                return inner switch
                {
                    ProjectNode p => p with { Columns = columns },
                    DistinctNode d => new DistinctNode(((ProjectNode)d.Input) with { Columns = columns }),
                    _ => throw new InvalidOperationException("A query plan ends in a projection."),
                };
            }
            case JoinSource j:
            {
                var left = PlanSource(j.Left);
                var right = PlanSource(j.Right);
                var conditions = new List<BoundExpr>();
                var combined = left.Columns.Concat(right.Columns).ToList();
                if (j.On is not null)
                {
                    var on = ExpressionBinder.Bind(j.On, combined, null, "ON");
                    RequireCondition(on, "ON");
                    conditions.AddRange(Conjuncts(on));
                }
                return MakeJoin(left, right, j.Kind, conditions);
            }
            default:
                throw Error("Unsupported source", source.Pos);
        }
    }

    private ScanNode Scan(string name, string qualifier, SourcePos pos)
    {
        var shape = streams.Find(name) ?? throw Error($"Unknown stream '{name}'", pos);
        List<PlanColumn> columns;
        List<ColumnInfo> layout;
        if (shape.Columns is { } declared)
        {
            layout = [.. declared];
            columns = declared.Select(c => new PlanColumn(c.Name, qualifier, SqlTypes.From(c.Type),
                c.Type == ColumnType.Timestamp && string.Equals(c.Name, shape.TimestampField, StringComparison.OrdinalIgnoreCase) ? TimeSpan.Zero : null)).ToList();
        }
        else
        {
            // Schemaless: every name the query mentions becomes an Any column (a missing field reads as NULL).
            layout = referencedNames.Select(n => new ColumnInfo(n, ColumnType.Any)).ToList();
            columns = layout.Select(c => new PlanColumn(c.Name, qualifier, SqlType.Any)).ToList();
        }
        inputs.Add(new QueryInput(shape.Name, layout, shape.WatermarkDelay));
        return new ScanNode(inputs.Count - 1, shape.Name, columns, shape.WatermarkDelay);
    }

    private WindowNode PlanWindow(WindowSource w)
    {
        var qualifier = w.Alias ?? w.Stream;
        var scan = Scan(w.Stream, qualifier, w.StreamPos);
        var timeColumn = ExpressionBinder.ResolveColumn(w.TimeColumn with { Qualifier = null }, scan.Columns);
        if (scan.Columns[timeColumn].Type is not (SqlType.Timestamp or SqlType.Any))
            throw Error($"The window's time column '{w.TimeColumn.Name}' must be a timestamp, not {SqlTypes.Name(scan.Columns[timeColumn].Type)}", w.TimeColumn.Pos);
        var name = w.Kind.ToString().ToUpperInvariant();
        var expected = w.Kind == WindowKind.Hop ? 2 : 1;
        if (w.Intervals.Count != expected)
            throw Error($"{name} takes a stream, a time column and {expected} interval(s)", w.Pos);
        var spans = w.Intervals.Select(e =>
        {
            var bound = ExpressionBinder.Bind(e, [], null, name);
            if (bound is not BoundLiteral { Value: TimeSpan span }) throw Error($"{name} needs interval literals such as INTERVAL '10' SECOND", e.Pos);
            if (span <= TimeSpan.Zero) throw Error("A window interval must be positive", e.Pos);
            return span;
        }).ToList();
        var spec = w.Kind switch
        {
            WindowKind.Tumble => new WindowSpec(w.Kind, spans[0], spans[0], TimeSpan.Zero),
            WindowKind.Hop => new WindowSpec(w.Kind, spans[1], spans[0], TimeSpan.Zero),
            _ => new WindowSpec(w.Kind, TimeSpan.Zero, TimeSpan.Zero, spans[0]),
        };
        if (w.Kind == WindowKind.Hop && spec.Size.Ticks % spec.Slide.Ticks != 0)
            throw Error("HOP needs a size that is a whole multiple of the slide", w.Intervals[1].Pos);
        if (w.Kind == WindowKind.Hop && spec.Size.Ticks / spec.Slide.Ticks > limits.MaxWindowsPerEvent)
            throw Error($"This HOP puts each event into {spec.Size.Ticks / spec.Slide.Ticks:N0} windows (size / slide); the limit is {limits.MaxWindowsPerEvent:N0} ({QueryLimits.MaxWindowsPerEventSetting}). Use a larger slide or a smaller size", w.Intervals[1].Pos);
        var columns = scan.Columns.ToList();
        columns.Add(new PlanColumn("window_start", qualifier, SqlType.Timestamp, null, spec, false));
        columns.Add(new PlanColumn("window_end", qualifier, SqlType.Timestamp, null, spec, true));
        return new WindowNode(scan, spec, timeColumn, columns);
    }

    // ---- conditions and joins ----

    private static List<BoundExpr> Conjuncts(BoundExpr e)
    {
        var result = new List<BoundExpr>();
        var stack = new Stack<BoundExpr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (x is BoundBinary { Op: BinaryOp.And } and)
            {
                stack.Push(and.Right);
                stack.Push(and.Left);
            }
            else result.Add(x);
        }
        return result;
    }

    private static BoundExpr? AndAll(IReadOnlyList<BoundExpr> conjuncts)
    {
        BoundExpr? result = null;
        foreach (var c in conjuncts) result = result is null ? c : new BoundBinary(BinaryOp.And, result, c, SqlType.Boolean, SqlType.Boolean, c.Pos);
        return result;
    }

    /// <summary>Applies WHERE conjuncts: pushed into join inputs where they reference one side, join conditions where both.</summary>
    private static PlanNode ApplyConditions(PlanNode node, IReadOnlyList<BoundExpr> conjuncts)
    {
        if (conjuncts.Count == 0) return node;
        if (node is JoinNode { Kind: JoinKind.Inner or JoinKind.Cross } join)
            return MakeJoin(join.Left, join.Right, join.Kind, [.. join.Conditions, .. conjuncts]);
        if (node is JoinNode { Kind: JoinKind.Left } leftJoin)
        {
            var n = leftJoin.Left.Columns.Count;
            var leftOnly = conjuncts.Where(c => c.ColumnsUsed().Any() && c.ColumnsUsed().All(i => i < n)).ToList();
            var rest = conjuncts.Except(leftOnly).ToList();
            PlanNode rebuilt = leftOnly.Count == 0 ? node : MakeJoin(ApplyConditions(leftJoin.Left, leftOnly), leftJoin.Right, JoinKind.Left, leftJoin.Conditions);
            return rest.Count == 0 ? rebuilt : new FilterNode(rebuilt, AndAll(rest)!);
        }
        return new FilterNode(node, AndAll(conjuncts)!);
    }

    private static BoundExpr Shift(BoundExpr e, int by) => e.Rewrite(x => x is BoundColumn c ? c with { Index = c.Index + by } : null);

    private static PlanNode MakeJoin(PlanNode left, PlanNode right, JoinKind kind, IReadOnlyList<BoundExpr> conditions)
    {
        var n = left.Columns.Count;
        var pushLeft = new List<BoundExpr>();
        var pushRight = new List<BoundExpr>();
        var kept = new List<BoundExpr>();
        foreach (var c in conditions)
        {
            var used = c.ColumnsUsed().ToList();
            var usesLeft = used.Any(i => i < n);
            var usesRight = used.Any(i => i >= n);
            if (usesLeft && !usesRight && kind != JoinKind.Left) pushLeft.Add(c);
            else if (usesRight && !usesLeft) pushRight.Add(Shift(c, -n));
            else kept.Add(c);
        }
        if (pushLeft.Count > 0) left = ApplyConditions(left, pushLeft);
        if (pushRight.Count > 0) right = ApplyConditions(right, pushRight);

        var leftKeys = new List<BoundExpr>();
        var rightKeys = new List<BoundExpr>();
        var residual = new List<BoundExpr>();
        var leftExpiry = new List<ExpiryBound>();
        var rightExpiry = new List<ExpiryBound>();
        var sameTime = false;
        var appendOnly = !left.IsUpdating && !right.IsUpdating;
        foreach (var c in kept)
        {
            if (c is BoundBinary { Op: BinaryOp.Equal } eq && Side(eq.Left, n) is { } ls && Side(eq.Right, n) is { } rs && ls != rs)
            {
                var (l, r) = ls ? (eq.Left, eq.Right) : (eq.Right, eq.Left);
                leftKeys.Add(Convert(l, eq.OperandType));
                rightKeys.Add(Convert(Shift(r, -n), eq.OperandType));
            }
            else residual.Add(c);

            if (TimeDifferenceBound(c, left, right, n) is { Lower: { } lo, Upper: { } hi } && lo == TimeSpan.Zero && hi == TimeSpan.Zero) sameTime = true;
            // Expiry needs append-only inputs: a retraction must still find the rows it joined with.
            if (appendOnly) AddExpiry(c, left, right, n, leftExpiry, rightExpiry);
        }

        var columns = left.Columns.Concat(right.Columns)
            .Select(c => sameTime ? c : c with { RowTimeOffset = null })
            .ToList();
        var updating = kind == JoinKind.Left || left.IsUpdating || right.IsUpdating;
        return new JoinNode(left, right, kind == JoinKind.Cross ? JoinKind.Inner : kind, leftKeys, rightKeys, AndAll(residual),
            leftExpiry, rightExpiry, kept, columns, updating);
    }

    /// <summary>
    /// From a conjunct <c>X.time &lt;= Y.expr</c> (or =, &lt;) where X.time carries X's event time: a Y row can match
    /// no X row whose event time exceeds Y.expr + X's offset, so it expires when X's watermark passes that.
    /// </summary>
    private static void AddExpiry(BoundExpr c, PlanNode left, PlanNode right, int n, List<ExpiryBound> leftExpiry, List<ExpiryBound> rightExpiry)
    {
        if (c is not BoundBinary { Op: BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual } cmp) return;
        if (cmp.OperandType != SqlType.Timestamp) return;
        void Try(BoundExpr smaller, BoundExpr larger)
        {
            if (TimeTerm(smaller, left, right, n) is not { } x) return;
            if (Side(larger, n) is not { } largerIsLeft || largerIsLeft == x.IsLeft) return;
            // smaller = ETx + x.Constant <= larger  <=>  ETx <= larger - x.Constant
            var bound = new ExpiryBound(largerIsLeft ? larger : Shift(larger, -n), -x.Constant);
            (largerIsLeft ? leftExpiry : rightExpiry).Add(bound);
        }
        switch (cmp.Op)
        {
            case BinaryOp.Less or BinaryOp.LessOrEqual: Try(cmp.Left, cmp.Right); break;
            case BinaryOp.Greater or BinaryOp.GreaterOrEqual: Try(cmp.Right, cmp.Left); break;
            default: Try(cmp.Left, cmp.Right); Try(cmp.Right, cmp.Left); break;
        }
    }

    private static BoundExpr Convert(BoundExpr e, SqlType type) => e.Type == type || type == SqlType.Any ? e : new BoundCast(e, type, e.Pos);

    /// <summary>True when <paramref name="e"/> reads only left columns, false when only right ones, null otherwise.</summary>
    private static bool? Side(BoundExpr e, int leftCount)
    {
        var used = e.ColumnsUsed().ToList();
        if (used.Count == 0) return null;
        if (used.All(i => i < leftCount)) return true;
        if (used.All(i => i >= leftCount)) return false;
        return null;
    }

    /// <summary>
    /// Reads a comparison of event-time columns (plus or minus interval literals) as a bound on
    /// (left event time − right event time).
    /// </summary>
    private static (TimeSpan? Lower, TimeSpan? Upper)? TimeDifferenceBound(BoundExpr c, PlanNode left, PlanNode right, int n)
    {
        if (c is not BoundBinary { Op: BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual } cmp) return null;
        if (TimeTerm(cmp.Left, left, right, n) is not { } a || TimeTerm(cmp.Right, left, right, n) is not { } b || a.IsLeft == b.IsLeft) return null;
        var op = cmp.Op;
        if (!a.IsLeft)
        {
            (a, b) = (b, a);
            op = op switch { BinaryOp.Less => BinaryOp.Greater, BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual, BinaryOp.Greater => BinaryOp.Less, BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual, _ => op };
        }
        // a = ETL - offL + kL, b = ETR - offR + kR; a op b  <=>  ETL - ETR op d.
        var d = b.Constant - a.Constant;
        return op switch
        {
            BinaryOp.Equal => (d, d),
            BinaryOp.Greater or BinaryOp.GreaterOrEqual => (d, null),
            _ => (null, d),
        };
    }

    /// <summary>A column carrying its row's event time, plus or minus a constant: value = eventTime + Constant.</summary>
    private static (bool IsLeft, TimeSpan Constant)? TimeTerm(BoundExpr e, PlanNode left, PlanNode right, int n)
    {
        var k = TimeSpan.Zero;
        while (e is BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract, Type: SqlType.Timestamp, Right: BoundLiteral { Value: TimeSpan span } } arith)
        {
            k += arith.Op == BinaryOp.Add ? span : -span;
            e = arith.Left;
        }
        if (e is not BoundColumn col) return null;
        var isLeft = col.Index < n;
        var column = isLeft ? left.Columns[col.Index] : right.Columns[col.Index - n];
        if (column.RowTimeOffset is not { } offset) return null;
        return (isLeft, k - offset);
    }

    // ---- aggregation ----

    private static AggregateNode MakeAggregate(PlanNode input, List<BoundExpr> keys, List<AggregateCall> calls, SourcePos pos)
    {
        AggregateWindowing windowing = new NoWindowing();
        for (var i = 0; i < keys.Count && windowing is NoWindowing; i++)
        {
            if (keys[i] is not BoundColumn c || input.Columns[c.Index].Window is not { } spec) continue;
            var column = input.Columns[c.Index];
            if (spec.Kind == WindowKind.Session && SessionWindowSource(input) is null)
            {
                // A session window's end passed through a subquery: still closes by watermark.
                if (column.IsWindowEnd && !input.IsUpdating) windowing = new KeyWindowing(i, TimeSpan.Zero);
            }
            else if (spec.Kind == WindowKind.Session)
            {
                var window = SessionWindowSource(input)!;
                var start = keys.FindIndex(k => k is BoundColumn kc && kc.Index == window.Columns.Count - 2);
                var end = keys.FindIndex(k => k is BoundColumn kc && kc.Index == window.Columns.Count - 1);
                var windowColumns = new[] { window.Columns.Count - 2, window.Columns.Count - 1 };
                foreach (var e in keys.Where((_, j) => j != start && j != end).Concat(calls.Select(a => a.Argument).OfType<BoundExpr>()))
                {
                    if (e.ColumnsUsed().Any(windowColumns.Contains))
                        throw Error("window_start and window_end of a SESSION window can only be used as GROUP BY keys", e.Pos);
                }
                windowing = new SessionWindowing(window.TimeColumn, spec.Gap, start, end);
            }
            else if (!input.IsUpdating)
            {
                windowing = new KeyWindowing(i, column.IsWindowEnd ? TimeSpan.Zero : spec.Size);
            }
        }
        if (windowing is NoWindowing && input.Columns.Any(c => c.Window is { Kind: WindowKind.Session }) && SessionWindowSource(input) is not null)
            throw Error("A SESSION window must be aggregated with GROUP BY window_start or window_end", pos);

        var columns = new List<PlanColumn>();
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            PlanColumn column;
            if (key is BoundColumn c)
            {
                var source = input.Columns[c.Index];
                column = source with { RowTimeOffset = null };
                if (windowing is KeyWindowing kw && source.Window is { } spec)
                {
                    // The result row's event time is its window's end, so that window's columns still carry it.
                    var sameWindow = source.Window == input.Columns[((BoundColumn)keys[kw.KeyIndex]).Index].Window;
                    if (sameWindow && (source.IsWindowEnd || spec.Kind != WindowKind.Session))
                        column = column with { RowTimeOffset = source.IsWindowEnd ? TimeSpan.Zero : spec.Size };
                }
                else if (windowing is SessionWindowing sw && (i == sw.StartKey || i == sw.EndKey))
                {
                    column = column with { RowTimeOffset = i == sw.EndKey ? TimeSpan.Zero : null };
                }
            }
            else column = new PlanColumn($"key{i}", null, key.Type);
            columns.Add(column);
        }
        for (var i = 0; i < calls.Count; i++) columns.Add(new PlanColumn(calls[i].Kind == AggregateKind.CountStar ? "count" : calls[i].Kind.ToString().ToLowerInvariant(), null, calls[i].Type));

        return new AggregateNode(input, keys, calls, windowing, columns, windowing is NoWindowing);
    }

    /// <summary>The SESSION window node under a chain of filters, if that is what feeds the aggregate.</summary>
    private static WindowNode? SessionWindowSource(PlanNode input)
    {
        while (input is FilterNode f) input = f.Input;
        return input is WindowNode { Spec.Kind: WindowKind.Session } w ? w : null;
    }
}

/// <summary>All column names a query mentions: the layout of schemaless inputs.</summary>
internal static class ReferencedNames
{
    /// <summary>The names in order of first appearance in the text.</summary>
    public static List<string> Collect(SelectQuery query)
    {
        var found = new List<ColumnExpr>();
        var exprs = new Stack<Expr>();
        var queries = new Stack<SelectQuery>();
        queries.Push(query);
        while (queries.Count > 0)
        {
            var q = queries.Pop();
            foreach (var item in q.Items) exprs.Push(item.Expr);
            if (q.Where is not null) exprs.Push(q.Where);
            if (q.Having is not null) exprs.Push(q.Having);
            foreach (var g in q.GroupBy) exprs.Push(g);
            var sources = new Stack<Source>();
            sources.Push(q.From);
            while (sources.Count > 0)
            {
                switch (sources.Pop())
                {
                    case JoinSource j:
                        sources.Push(j.Left);
                        sources.Push(j.Right);
                        if (j.On is not null) exprs.Push(j.On);
                        break;
                    case SubquerySource s:
                        queries.Push(s.Query);
                        break;
                    case WindowSource w:
                        exprs.Push(w.TimeColumn);
                        break;
                }
            }
        }
        while (exprs.Count > 0)
        {
            switch (exprs.Pop())
            {
                case ColumnExpr c:
                    if (!c.Name.StartsWith("window_", StringComparison.OrdinalIgnoreCase)) found.Add(c);
                    break;
                case UnaryExpr u: exprs.Push(u.Operand); break;
                case BinaryExpr b: exprs.Push(b.Left); exprs.Push(b.Right); break;
                case IsNullExpr n: exprs.Push(n.Operand); break;
                case InListExpr i: exprs.Push(i.Operand); foreach (var x in i.Items) exprs.Push(x); break;
                case BetweenExpr b: exprs.Push(b.Operand); exprs.Push(b.Low); exprs.Push(b.High); break;
                case LikeExpr l: exprs.Push(l.Operand); exprs.Push(l.Pattern); break;
                case CaseExpr c:
                    if (c.Operand is not null) exprs.Push(c.Operand);
                    if (c.Else is not null) exprs.Push(c.Else);
                    foreach (var (w, t) in c.Branches) { exprs.Push(w); exprs.Push(t); }
                    break;
                case CastExpr c: exprs.Push(c.Operand); break;
                case CallExpr c: foreach (var a in c.Args) exprs.Push(a); break;
                case JsonAccessExpr j: exprs.Push(j.Operand); break;
            }
        }
        return found.OrderBy(c => c.Pos.Line).ThenBy(c => c.Pos.Column).Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
