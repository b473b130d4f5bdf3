using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Planning;

/// <summary>Turns a parsed query into a logical plan: resolves streams, windows, joins, grouping and output names.</summary>
internal sealed class Planner
{
    private readonly IStreamShapes streams;
    private readonly List<string> referencedNames;
    // Every column name the query text mentions, or null when it also reads columns it does not name (*, NATURAL JOIN).
    private readonly HashSet<string>? readNames;
    private readonly List<QueryInput> inputs = [];
    private readonly QueryLimits limits;

    private Planner(IStreamShapes streams, List<string> referencedNames, HashSet<string>? readNames, QueryLimits limits)
    {
        this.streams = streams;
        this.referencedNames = referencedNames;
        this.readNames = readNames;
        this.limits = limits;
    }

    public static (PlanNode Plan, IReadOnlyList<QueryInput> Inputs) Plan(SelectQuery query, IStreamShapes streams, QueryLimits? limits = null)
    {
        var names = ReferencedNames.Collect(query, out var wholeRows, out var mentioned);
        var planner = new Planner(streams, names, wholeRows ? null : mentioned, limits ?? QueryLimits.Default);
        var plan = planner.PlanQuery(query);
        if (TreeWalk.PreOrder(plan, n => n.Inputs).OfType<TopNNode>().FirstOrDefault(t => t.Limit is null) is { } unfiltered)
            throw Error("ROW_NUMBER() OVER (...) needs a filter on its result in the enclosing query, as in SELECT * FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY k ORDER BY t DESC) AS rn FROM s) WHERE rn <= 10", unfiltered.Pos);
        return (plan, planner.inputs);
    }

    private static QueryException Error(string message, SourcePos pos) => ExpressionBinder.Error(message, pos);

    /// <summary>A whole query: its SELECTs combined by UNION ALL, then ORDER BY … LIMIT as a top-N.</summary>
    private PlanNode PlanQuery(SelectQuery query)
    {
        var node = PlanSelect(query);
        if (query.UnionAll.Count > 0) node = PlanUnion([node, .. query.UnionAll.Select(PlanSelect)], query.UnionAll.Select(u => u.Pos).ToList());
        if (query.Limit is { } limit)
        {
            if (query.OrderBy.Count == 0)
                throw Error("LIMIT on a continuous query needs ORDER BY, which says which rows are kept (ORDER BY ... LIMIT N is maintained as a top-N)", query.LimitPos);
            var order = query.OrderBy.Select(o => new SortKey(BindOutputOrder(o.Expr, node.Columns), o.Descending)).ToList();
            node = new TopNNode(node, [], order, limit, false, query.LimitPos, node.Columns);
        }
        // ORDER BY without LIMIT orders nothing in a changelog: accepted (scripts written for batch SQL carry it) and ignored.
        return node;
    }

    /// <summary>ORDER BY of a whole query: an output column (by name or 1-based position) or an expression over them.</summary>
    private static BoundExpr BindOutputOrder(Expr expr, IReadOnlyList<PlanColumn> columns)
    {
        if (expr is LiteralExpr { Kind: LiteralKind.Integer, Value: long position })
        {
            if (position < 1 || position > columns.Count) throw Error($"ORDER BY position {position} is not in the select list (1 to {columns.Count})", expr.Pos);
            var c = columns[(int)position - 1];
            return new BoundColumn((int)position - 1, c.Name, c.Type, expr.Pos);
        }
        return ExpressionBinder.Bind(expr, columns, null, "ORDER BY");
    }

    private static PlanNode PlanUnion(List<PlanNode> parts, List<SourcePos> positions)
    {
        var first = parts[0];
        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].Columns.Count != first.Columns.Count)
                throw Error($"Each query of a UNION ALL must have the same number of columns: the first has {first.Columns.Count}, this one {parts[i].Columns.Count}", positions[i - 1]);
        }
        var types = new List<SqlType>();
        for (var c = 0; c < first.Columns.Count; c++)
        {
            var column = c;
            var exprs = parts.Select((p, i) => (BoundExpr)new BoundColumn(column, p.Columns[column].Name, p.Columns[column].Type, i == 0 ? default : positions[i - 1])).ToList();
            types.Add(ExpressionBinder.UnifyTypes(exprs, default, $"UNION ALL column {c + 1} ('{first.Columns[c].Name}')"));
        }
        var aligned = parts.Select(p =>
        {
            if (p.Columns.Select(c => c.Type).SequenceEqual(types)) return p;
            var casts = p.Columns.Select((c, i) => ExpressionBinder.Convert(new BoundColumn(i, c.Name, c.Type, default), types[i])).ToList();
            return new ProjectNode(p, casts, p.Columns.Select((c, i) => c with { Type = types[i] }).ToList());
        }).ToList();
        // Event-time and window markers hold only if every input has them alike: keep them off.
        var columns = first.Columns.Select((c, i) => new PlanColumn(c.Name, c.Qualifier, types[i])).ToList();
        return new UnionNode(aligned, columns);
    }

    /// <summary>
    /// Scalar subqueries of WHERE and HAVING, planned first: each is bound as a placeholder, then LEFT JOINed (no
    /// condition: its one row goes beside every row, or NULLs while it has none) where the clause is applied.
    /// </summary>
    private Dictionary<SubqueryExpr, BoundScalarSubquery> PlanScalarSubqueries(SelectQuery query, List<PlanNode> plans)
    {
        var found = new Dictionary<SubqueryExpr, BoundScalarSubquery>(ReferenceEqualityComparer.Instance);
        foreach (var clause in new[] { query.Where, query.Having })
        {
            if (clause is null) continue;
            foreach (var sub in ReferencedNames.Subqueries(clause))
            {
                var plan = PlanQuery(sub.Query);
                if (plan.Columns.Count != 1) throw Error($"A scalar subquery must return one column, not {plan.Columns.Count}", sub.Pos);
                found[sub] = new BoundScalarSubquery(plans.Count, plan.Columns[0].Type, sub.Pos);
                plans.Add(plan);
            }
        }
        return found;
    }

    /// <summary>Joins the scalar subqueries <paramref name="condition"/> uses beside <paramref name="node"/> and points their placeholders at them.</summary>
    private static (PlanNode Node, BoundExpr Condition) JoinScalarSubqueries(PlanNode node, BoundExpr condition, List<PlanNode> plans, HashSet<int> hidden)
    {
        var columnOf = new Dictionary<int, int>();
        foreach (var placeholder in condition.SelfAndDescendants().OfType<BoundScalarSubquery>())
        {
            if (columnOf.ContainsKey(placeholder.Index)) continue;
            columnOf[placeholder.Index] = node.Columns.Count;
            hidden.Add(node.Columns.Count);
            node = MakeJoin(node, plans[placeholder.Index], JoinKind.Left, []);
        }
        var rewritten = condition.Rewrite(x => x is BoundScalarSubquery q ? new BoundColumn(columnOf[q.Index], "subquery", q.Type, q.Pos) : null);
        return (node, rewritten);
    }

    private PlanNode PlanSelect(SelectQuery query)
    {
        var node = PlanSource(query.From);
        var subqueryPlans = new List<PlanNode>();
        var subqueries = PlanScalarSubqueries(query, subqueryPlans);
        var hidden = new HashSet<int>();

        if (query.Where is not null)
        {
            var predicate = ExpressionBinder.Bind(query.Where, node.Columns, null, "WHERE", subqueries);
            RequireCondition(predicate, "WHERE");
            (node, predicate) = JoinScalarSubqueries(node, predicate, subqueryPlans, hidden);
            var conjuncts = Conjuncts(predicate);
            if (node is ProjectNode { Input: TopNNode { Limit: null } } ranked)
                node = LimitTopN(ranked, conjuncts, query);
            node = ApplyConditions(node, conjuncts);
        }

        var rowNumbers = query.Items.Where(i => i.Expr is CallExpr { Over: not null } call && call.Name == "row_number").ToList();
        TopNNode? topN = null;
        if (rowNumbers.Count > 0)
        {
            topN = RankNode(node, rowNumbers, query);
            node = topN;
        }

        var collector = new AggregateCollector();
        var items = new List<(BoundExpr Expr, string Name, SourcePos Pos)>();
        var ordinal = 0;
        foreach (var item in query.Items)
        {
            ordinal++;
            if (topN is not null && rowNumbers.Contains(item))
            {
                var rank = topN.Columns.Count - 1;
                items.Add((new BoundColumn(rank, topN.Columns[rank].Name, SqlType.Bigint, item.Pos), topN.Columns[rank].Name, item.Pos));
                continue;
            }
            if (item.Expr is StarExpr star)
            {
                var any = false;
                for (var i = 0; i < node.Columns.Count - (topN is null ? 0 : 1); i++)
                {
                    if (hidden.Contains(i)) continue;
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
            if (bound.Type == SqlType.TextArray) throw Error("An array cannot be a result column; take one element with a subscript, as in REGEXP_MATCH(url, '(\\w+)=(\\w+)')[2]", item.Pos);
            items.Add((bound, item.Alias ?? DefaultName(item.Expr, ordinal), item.Pos));
        }

        BoundExpr? having = null;
        if (query.Having is not null)
        {
            having = ExpressionBinder.Bind(query.Having, node.Columns, collector, "HAVING", subqueries);
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
            if (having is not null)
            {
                var (joined, condition) = JoinScalarSubqueries(node, Regroup(having), subqueryPlans, hidden);
                node = new FilterNode(joined, condition);
            }
        }
        else if (having is not null)
        {
            throw Error("HAVING needs GROUP BY or an aggregate function", query.Having!.Pos);
        }

        node = Project(node, items);
        if (query.DistinctOn.Count > 0) node = DistinctOn(node, query);
        else if (query.Distinct) node = new DistinctNode(node);
        return node;
    }

    /// <summary>
    /// ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) AS rn: a top-N over the FROM rows whose last column is the rank.
    /// Its limit comes from the enclosing query's filter on rn (<see cref="LimitTopN"/>).
    /// </summary>
    private static TopNNode RankNode(PlanNode input, List<SelectItem> rowNumbers, SelectQuery query)
    {
        var item = rowNumbers[0];
        var call = (CallExpr)item.Expr;
        if (rowNumbers.Count > 1) throw Error("Only one ROW_NUMBER() per SELECT is supported", rowNumbers[1].Pos);
        if (call.Args.Count > 0 || call.Star || call.Distinct) throw Error("ROW_NUMBER() takes no arguments", call.Pos);
        if (query.GroupBy.Count > 0 || query.Having is not null || query.Distinct)
            throw Error("ROW_NUMBER() over grouped or DISTINCT rows is not supported; group in a subquery and rank its rows", call.Pos);
        var over = call.Over!;
        if (over.OrderBy.Count == 0) throw Error("ROW_NUMBER() OVER (...) needs an ORDER BY that says which rows come first", over.Pos);
        var partition = over.PartitionBy.Select(e => ExpressionBinder.Bind(e, input.Columns, null, "PARTITION BY")).ToList();
        var order = over.OrderBy.Select(o => new SortKey(ExpressionBinder.Bind(o.Expr, input.Columns, null, "ORDER BY"), o.Descending)).ToList();
        var name = item.Alias ?? "row_number";
        return new TopNNode(input, partition, order, null, true, call.Pos, [.. input.Columns, new PlanColumn(name, null, SqlType.Bigint)]);
    }

    /// <summary>
    /// The enclosing query of a ROW_NUMBER subquery: conjuncts <c>rn &lt;= N</c>, <c>rn &lt; N</c> or <c>rn = 1</c> set the
    /// top-N's limit and are taken out of <paramref name="conjuncts"/>. The rank is emitted only if the query reads it.
    /// </summary>
    private static PlanNode LimitTopN(ProjectNode ranked, List<BoundExpr> conjuncts, SelectQuery query)
    {
        var topN = (TopNNode)ranked.Input;
        var rankIndex = topN.Columns.Count - 1;
        var column = -1;
        for (var i = 0; i < ranked.Expressions.Count; i++)
        {
            if (ranked.Expressions[i] is BoundColumn c && c.Index == rankIndex) column = i;
        }
        if (column < 0) return ranked;
        long? limit = null;
        foreach (var conjunct in conjuncts.ToList())
        {
            if (conjunct is not BoundBinary { Left: var l, Right: var r } cmp) continue;
            var op = cmp.Op;
            if (r is BoundColumn && l is BoundLiteral)
            {
                (l, r) = (r, l);
                op = op switch { BinaryOp.Less => BinaryOp.Greater, BinaryOp.LessOrEqual => BinaryOp.GreaterOrEqual, BinaryOp.Greater => BinaryOp.Less, BinaryOp.GreaterOrEqual => BinaryOp.LessOrEqual, _ => op };
            }
            if (l is not BoundColumn rc || rc.Index != column || r is not BoundLiteral { Value: long n }) continue;
            long? bound = op switch
            {
                BinaryOp.LessOrEqual => n,
                BinaryOp.Less => n - 1,
                BinaryOp.Equal when n == 1 => 1,
                _ => null,
            };
            if (bound is null)
                throw Error($"A filter on ROW_NUMBER() keeps the first rows of each partition: write {rc.Name} <= N, {rc.Name} < N or {rc.Name} = 1", cmp.Pos);
            if (bound < 1) throw Error($"{rc.Name} {BoundBinary.Symbol(cmp.Op)} {n} keeps no row", cmp.Pos);
            if (bound > 100_000) throw Error($"A top-N keeps at most 100000 rows per partition, not {bound}", cmp.Pos);
            limit = Math.Min(limit ?? long.MaxValue, bound.Value);
            conjuncts.Remove(conjunct);
        }
        if (limit is null) return ranked;

        var rankName = ranked.Columns[column].Name;
        var readsRank = conjuncts.Any(c => c.ColumnsUsed().Contains(column))
            || query.Items.Any(i => i.Expr is StarExpr || ReferencedNames.Mentions(i.Expr, rankName))
            || query.GroupBy.Any(g => ReferencedNames.Mentions(g, rankName))
            || (query.Having is not null && ReferencedNames.Mentions(query.Having, rankName));
        if (readsRank) return ranked with { Input = topN with { Limit = limit } };
        // Nobody reads the rank: the top-N does not emit it, so rows whose rank moves are not re-emitted.
        var expressions = ranked.Expressions.Select((e, i) => i == column ? new BoundLiteral(null, SqlType.Bigint, e.Pos) : e).ToList();
        return ranked with { Input = topN with { Limit = limit, EmitRank = false, Columns = topN.Columns.Take(rankIndex).ToList() }, Expressions = expressions };
    }

    /// <summary>
    /// SELECT DISTINCT ON (keys) …: the first row per key in the query's ORDER BY (after the leading key expressions,
    /// which PostgreSQL requires there), or in arrival order without one: a top-1 per key over the result columns.
    /// </summary>
    private static TopNNode DistinctOn(PlanNode projected, SelectQuery query)
    {
        var keys = query.DistinctOn.Select(e => BindOutputOrder(e, projected.Columns)).ToList();
        var keyTexts = keys.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        var order = query.OrderBy
            .Select(o => new SortKey(BindOutputOrder(o.Expr, projected.Columns), o.Descending))
            .SkipWhile(o => keyTexts.Contains(o.Expr.ToString()))
            .ToList();
        return new TopNNode(projected, keys, order, 1, false, query.Pos, projected.Columns);
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
            columns.Add(expr switch
            {
                BoundColumn c => input.Columns[c.Index] with { Name = unique, Qualifier = null },
                BoundCall { Function: ScalarFunction.ProcTime } => new PlanColumn(unique, null, SqlType.Timestamp) { IsProcessingTime = true },
                _ => new PlanColumn(unique, null, expr.Type == SqlType.Null ? SqlType.Any : expr.Type),
            });
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
                    DistinctNode { Input: ProjectNode dp } => new DistinctNode(dp with { Columns = columns }),
                    _ => new ProjectNode(inner, inner.Columns.Select((c, i) => (BoundExpr)new BoundColumn(i, c.Name, c.Type, sub.Pos)).ToList(), columns),
                };
            }
            case JoinSource j:
                return PlanJoin(j);
            default:
                throw Error("Unsupported source", source.Pos);
        }
    }

    /// <summary>
    /// A join in FROM. RIGHT JOIN is planned as a LEFT JOIN with the sides swapped, then its columns put back in
    /// order; NATURAL joins on the columns both sides have, and shows each of those once (PostgreSQL's rule).
    /// </summary>
    private PlanNode PlanJoin(JoinSource j)
    {
        var left = PlanSource(j.Left);
        var right = PlanSource(j.Right);
        var swapped = j.Kind == JoinKind.Right;
        var (first, second) = swapped ? (right, left) : (left, right);
        var kind = swapped ? JoinKind.Left : j.Kind;
        var combined = first.Columns.Concat(second.Columns).ToList();
        var n = first.Columns.Count;
        var conditions = new List<BoundExpr>();
        var common = new List<(int Left, int Right)>();
        if (j.Natural)
        {
            for (var i = 0; i < left.Columns.Count; i++)
            {
                var match = right.Columns.ToList().FindIndex(c => string.Equals(c.Name, left.Columns[i].Name, StringComparison.OrdinalIgnoreCase));
                if (match < 0 || common.Any(c => c.Right == match)) continue;
                common.Add((i, match));
                var (li, ri) = swapped ? (n + i, match) : (i, n + match);
                conditions.Add(ExpressionBinder.MakeBinary(BinaryOp.Equal,
                    new BoundColumn(li, combined[li].Name, combined[li].Type, j.Pos), new BoundColumn(ri, combined[ri].Name, combined[ri].Type, j.Pos), j.Pos));
            }
        }
        else if (j.On is not null)
        {
            var on = ExpressionBinder.Bind(j.On, combined, null, "ON");
            RequireCondition(on, "ON");
            conditions.AddRange(Conjuncts(on));
        }
        var join = MakeJoin(first, second, kind, conditions);
        if (!swapped && common.Count == 0) return join;

        // Back to the written order (left columns, then right), common columns first and once for NATURAL.
        var exprs = new List<BoundExpr>();
        var columns = new List<PlanColumn>();
        void Add(BoundExpr e, PlanColumn c)
        {
            exprs.Add(e);
            columns.Add(c);
        }
        int LeftAt(int i) => swapped ? n + i : i;
        int RightAt(int i) => swapped ? i : n + i;
        BoundExpr Column(int at) => new BoundColumn(at, join.Columns[at].Name, join.Columns[at].Type, j.Pos);
        foreach (var (l, r) in common)
        {
            var (la, ra) = (LeftAt(l), RightAt(r));
            switch (j.Kind)
            {
                case JoinKind.Full:
                {
                    var type = ExpressionBinder.UnifyTypes([Column(la), Column(ra)], j.Pos, $"NATURAL FULL JOIN column '{join.Columns[la].Name}'");
                    Add(new BoundCall(ScalarFunction.Coalesce, [ExpressionBinder.Convert(Column(la), type), ExpressionBinder.Convert(Column(ra), type)], type, j.Pos),
                        new PlanColumn(join.Columns[la].Name, join.Columns[la].Qualifier, type));
                    break;
                }
                case JoinKind.Right:
                    Add(Column(ra), join.Columns[ra] with { Qualifier = join.Columns[la].Qualifier });
                    break;
                default:
                    Add(Column(la), join.Columns[la]);
                    break;
            }
        }
        for (var i = 0; i < left.Columns.Count; i++)
        {
            if (!common.Any(c => c.Left == i)) Add(Column(LeftAt(i)), join.Columns[LeftAt(i)]);
        }
        for (var i = 0; i < right.Columns.Count; i++)
        {
            if (!common.Any(c => c.Right == i)) Add(Column(RightAt(i)), join.Columns[RightAt(i)]);
        }
        return new ProjectNode(join, exprs, columns);
    }

    private ScanNode Scan(string name, string qualifier, SourcePos pos)
    {
        var shape = streams.Find(name) ?? throw Error($"Unknown stream '{name}'", pos);
        List<PlanColumn> columns;
        List<ColumnInfo> layout;
        IReadOnlyList<bool>? reads = null;
        if (shape.Columns is { } declared)
        {
            layout = [.. declared];
            // A column the query text never names is never read: the runtime need not decode it. Matching by name alone
            // (whatever the qualifier) can only take in more columns than are read, never fewer.
            reads = readNames is null ? null : declared.Select(c => readNames.Contains(c.Name)).ToArray();
            columns = declared.Select(c => new PlanColumn(c.Name, qualifier, SqlTypes.From(c.Type),
                c.Type == ColumnType.Timestamp && string.Equals(c.Name, shape.TimestampField, StringComparison.OrdinalIgnoreCase) ? TimeSpan.Zero : null)).ToList();
        }
        else
        {
            // Schemaless: every name the query mentions becomes an Any column (a missing field reads as NULL).
            layout = referencedNames.Select(n => new ColumnInfo(n, ColumnType.Any)).ToList();
            columns = layout.Select(c => new PlanColumn(c.Name, qualifier, SqlType.Any)).ToList();
        }
        inputs.Add(new QueryInput(shape.Name, layout, shape.WatermarkDelay) { Reads = reads });
        return new ScanNode(inputs.Count - 1, shape.Name, columns, shape.WatermarkDelay);
    }

    private WindowNode PlanWindow(WindowSource w)
    {
        var name = w.Kind.ToString().ToUpperInvariant();
        var qualifier = w.Alias ?? (w.Subquery is null ? w.Stream : null);
        var scan = w.Subquery is null ? Scan(w.Stream, qualifier!, w.StreamPos) : PlanSource(new SubquerySource(w.Subquery, qualifier, w.StreamPos));
        var timeColumn = ExpressionBinder.ResolveColumn(w.TimeColumn with { Qualifier = null }, scan.Columns);
        var time = scan.Columns[timeColumn];
        if (time.Type is not (SqlType.Timestamp or SqlType.Any))
            throw Error($"The window's time column '{w.TimeColumn.Name}' must be a timestamp, not {SqlTypes.Name(time.Type)}", w.TimeColumn.Pos);
        if (time.IsProcessingTime && w.Kind == WindowKind.Session)
            throw Error("SESSION windows close by event time only; use TUMBLE or HOP on a PROCTIME() column", w.TimeColumn.Pos);
        if (time.IsProcessingTime && scan.IsUpdating)
            throw Error("A processing-time window needs an append-only input", w.StreamPos);
        if (w.Subquery is not null && !time.IsProcessingTime && time.RowTimeOffset != TimeSpan.Zero)
            throw Error($"{name} over a subquery needs a time column that is the rows' event time or PROCTIME(); '{w.TimeColumn.Name}' is neither", w.TimeColumn.Pos);
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
        } with { ProcessingTime = time.IsProcessingTime };
        if (w.Kind == WindowKind.Hop && spec.Size.Ticks % spec.Slide.Ticks != 0)
            throw Error("HOP needs a size that is a whole multiple of the slide", w.Intervals[1].Pos);
        if (w.Kind == WindowKind.Hop && spec.Size.Ticks / spec.Slide.Ticks > limits.MaxWindowsPerEvent)
            throw Error($"This HOP puts each event into {spec.Size.Ticks / spec.Slide.Ticks:N0} windows (size / slide); the limit is {limits.MaxWindowsPerEvent:N0} ({QueryLimits.MaxWindowsPerEventSetting}). Use a larger slide or a smaller size", w.Intervals[1].Pos);
        var columns = scan.Columns.ToList();
        if (spec.ProcessingTime)
        {
            // From here on a row's time is its processing time: the event-time columns no longer tell it.
            columns = columns.Select((c, i) => c with { RowTimeOffset = i == timeColumn ? TimeSpan.Zero : null }).ToList();
        }
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
            // A condition on an outer side's columns alone cannot filter that side: its rows must still appear padded.
            if (usesLeft && !usesRight && kind is not (JoinKind.Left or JoinKind.Full)) pushLeft.Add(c);
            else if (usesRight && !usesLeft && kind != JoinKind.Full) pushRight.Add(Shift(c, -n));
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
        var updating = kind is JoinKind.Left or JoinKind.Full || left.IsUpdating || right.IsUpdating;
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
    /// <summary>The scalar subqueries directly in <paramref name="expr"/> (not those nested inside them).</summary>
    public static List<SubqueryExpr> Subqueries(Expr expr)
    {
        var found = new List<SubqueryExpr>();
        var stack = new Stack<Expr>();
        stack.Push(expr);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case SubqueryExpr q: found.Add(q); break;
                case UnaryExpr u: stack.Push(u.Operand); break;
                case BinaryExpr b: stack.Push(b.Left); stack.Push(b.Right); break;
                case IsNullExpr n: stack.Push(n.Operand); break;
                case InListExpr i: stack.Push(i.Operand); foreach (var x in i.Items) stack.Push(x); break;
                case BetweenExpr b: stack.Push(b.Operand); stack.Push(b.Low); stack.Push(b.High); break;
                case LikeExpr l: stack.Push(l.Operand); stack.Push(l.Pattern); break;
                case CaseExpr c:
                    if (c.Operand is not null) stack.Push(c.Operand);
                    if (c.Else is not null) stack.Push(c.Else);
                    foreach (var (w, t) in c.Branches) { stack.Push(w); stack.Push(t); }
                    break;
                case CastExpr c: stack.Push(c.Operand); break;
                case CallExpr c: foreach (var a in c.Args) stack.Push(a); break;
                case JsonAccessExpr j: stack.Push(j.Operand); break;
                case SubscriptExpr s: stack.Push(s.Operand); stack.Push(s.Index); break;
            }
        }
        return found;
    }

    /// <summary>Whether <paramref name="expr"/> mentions a column called <paramref name="name"/> (any qualifier).</summary>
    public static bool Mentions(Expr expr, string name)
    {
        var probe = new SelectQuery(false, [new SelectItem(expr, null, expr.Pos)], new StreamSource("", null, expr.Pos), null, [], null, expr.Pos);
        return Collect(probe).Contains(name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The names in order of first appearance in the text.</summary>
    public static List<string> Collect(SelectQuery query) => Collect(query, out _, out _);

    /// <summary>
    /// The names in order of first appearance in the text (window_start and the like left out); <paramref name="mentioned"/>
    /// is every column name in the text, those included, and <paramref name="wholeRows"/> tells whether the query also
    /// reads columns it does not name (<c>*</c>, <c>t.*</c>, a NATURAL join).
    /// </summary>
    public static List<string> Collect(SelectQuery query, out bool wholeRows, out HashSet<string> mentioned)
    {
        wholeRows = false;
        mentioned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var found = new List<ColumnExpr>();
        var exprs = new Stack<Expr>();
        var queries = new Stack<SelectQuery>();
        queries.Push(query);
    more:
        while (queries.Count > 0)
        {
            var q = queries.Pop();
            foreach (var u in q.UnionAll) queries.Push(u);
            foreach (var o in q.OrderBy) exprs.Push(o.Expr);
            foreach (var d in q.DistinctOn) exprs.Push(d);
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
                        wholeRows |= j.Natural;
                        break;
                    case SubquerySource s:
                        queries.Push(s.Query);
                        break;
                    case WindowSource w:
                        exprs.Push(w.TimeColumn);
                        if (w.Subquery is not null) queries.Push(w.Subquery);
                        break;
                }
            }
        }
        while (exprs.Count > 0)
        {
            switch (exprs.Pop())
            {
                case ColumnExpr c:
                    mentioned.Add(c.Name);
                    if (!c.Name.StartsWith("window_", StringComparison.OrdinalIgnoreCase)) found.Add(c);
                    break;
                case StarExpr:
                    wholeRows = true;
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
                case CallExpr c:
                    foreach (var a in c.Args) exprs.Push(a);
                    if (c.Filter is not null) exprs.Push(c.Filter);
                    foreach (var o in c.OrderBy) exprs.Push(o.Expr);
                    if (c.Over is not null)
                    {
                        foreach (var p in c.Over.PartitionBy) exprs.Push(p);
                        foreach (var o in c.Over.OrderBy) exprs.Push(o.Expr);
                    }
                    break;
                case JsonAccessExpr j: exprs.Push(j.Operand); break;
                case SubscriptExpr s: exprs.Push(s.Operand); exprs.Push(s.Index); break;
                case SubqueryExpr q: queries.Push(q.Query); break;
            }
            if (exprs.Count == 0 && queries.Count > 0) goto more;
        }
        return found.OrderBy(c => c.Pos.Line).ThenBy(c => c.Pos.Column).Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
