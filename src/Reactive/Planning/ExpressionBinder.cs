using Sluice.Reactive.Expressions;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Planning;

/// <summary>Collects the aggregate calls of one SELECT while its expressions are bound.</summary>
internal sealed class AggregateCollector
{
    public List<AggregateCall> Calls { get; } = [];

    public List<string> Texts { get; } = [];

    public int Add(AggregateCall call)
    {
        var text = call.ToString();
        var existing = Texts.IndexOf(text);
        if (existing >= 0) return existing;
        Calls.Add(call);
        Texts.Add(text);
        return Calls.Count - 1;
    }
}

/// <summary>Resolves names and types of expressions against a row layout.</summary>
internal static class ExpressionBinder
{
    public static QueryException Error(string message, SourcePos pos) => new($"{message} (at {pos}).", pos.Line, pos.Column);

    /// <summary>Binds <c>expr</c> over <c>columns</c>; <c>aggregates</c> collects aggregate calls, or is null where they are not allowed (<c>clause</c> names the place for errors).</summary>
    public static BoundExpr Bind(Expr expr, IReadOnlyList<PlanColumn> columns, AggregateCollector? aggregates, string clause)
        => new Context(columns, aggregates, clause, null).Bind(expr);

    /// <summary>As <see cref="Bind(Expr, IReadOnlyList{PlanColumn}, AggregateCollector?, string)"/>, with the placeholders of the clause's planned scalar subqueries.</summary>
    public static BoundExpr Bind(Expr expr, IReadOnlyList<PlanColumn> columns, AggregateCollector? aggregates, string clause, IReadOnlyDictionary<SubqueryExpr, BoundScalarSubquery> subqueries)
        => new Context(columns, aggregates, clause, subqueries).Bind(expr);

    public static int ResolveColumn(ColumnExpr column, IReadOnlyList<PlanColumn> columns)
    {
        var found = -1;
        for (var i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            if (!string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (column.Qualifier is not null && !string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase)) continue;
            if (found >= 0)
                throw Error($"Column '{column}' is ambiguous; qualify it with its stream or alias", column.Pos);
            found = i;
        }
        if (found >= 0) return found;
        if (column.Qualifier is not null && !columns.Any(c => string.Equals(c.Qualifier, column.Qualifier, StringComparison.OrdinalIgnoreCase)))
            throw Error($"Unknown stream or alias '{column.Qualifier}' in '{column}'", column.Pos);
        throw Error($"Unknown column '{column}'", column.Pos);
    }

    private sealed class Context(IReadOnlyList<PlanColumn> columns, AggregateCollector? aggregates, string clause, IReadOnlyDictionary<SubqueryExpr, BoundScalarSubquery>? subqueries)
    {
        private bool insideAggregate;

        public BoundExpr Bind(Expr expr)
        {
            switch (expr)
            {
                case LiteralExpr literal:
                    return BindLiteral(literal);
                case ColumnExpr column:
                {
                    var index = ResolveColumn(column, columns);
                    return new BoundColumn(index, columns[index].Name, columns[index].Type, column.Pos);
                }
                case StarExpr star:
                    throw Error("'*' is only allowed as a whole SELECT item or in COUNT(*)", star.Pos);
                case UnaryExpr { Op: "NOT" } not:
                    return new BoundNot(RequireBoolean(Bind(not.Operand), "NOT"), not.Pos);
                case UnaryExpr negate:
                {
                    var operand = Bind(negate.Operand);
                    if (!SqlTypes.IsNumeric(operand.Type) && operand.Type is not (SqlType.Any or SqlType.Interval or SqlType.Null))
                        throw Error($"Operator - cannot be applied to {SqlTypes.Name(operand.Type)}", negate.Pos);
                    return new BoundNegate(operand, operand.Type == SqlType.Null ? SqlType.Bigint : operand.Type, negate.Pos);
                }
                case BinaryExpr binary:
                    return BindBinary(binary);
                case IsNullExpr isNull:
                    return new BoundIsNull(Bind(isNull.Operand), isNull.Negated, isNull.Pos);
                case InListExpr inList:
                {
                    var operand = Bind(inList.Operand);
                    var items = inList.Items.Select(Bind).ToList();
                    var type = operand.Type;
                    foreach (var item in items) type = ComparisonType(type, item.Type, item.Pos);
                    operand = CoerceLiteral(operand, type);
                    return new BoundInList(operand, items.Select(i => CoerceLiteral(i, type)).ToList(), inList.Negated, type, inList.Pos);
                }
                case BetweenExpr between:
                {
                    // Desugared so joins can read the bounds as two comparisons.
                    var operand = Bind(between.Operand);
                    var low = MakeBinary(BinaryOp.GreaterOrEqual, operand, Bind(between.Low), between.Pos);
                    var high = MakeBinary(BinaryOp.LessOrEqual, operand, Bind(between.High), between.Pos);
                    BoundExpr both = new BoundBinary(BinaryOp.And, low, high, SqlType.Boolean, SqlType.Boolean, between.Pos);
                    return between.Negated ? new BoundNot(both, between.Pos) : both;
                }
                case LikeExpr like:
                    return new BoundLike(RequireText(Bind(like.Operand), "LIKE"), RequireText(Bind(like.Pattern), "LIKE"), like.Negated, like.Pos);
                case CaseExpr caseExpr:
                    return BindCase(caseExpr);
                case CastExpr cast:
                {
                    var target = SqlTypes.ParseTypeName(cast.TypeName) ?? throw Error($"Unknown type '{cast.TypeName}'", cast.TypePos);
                    var operand = Bind(cast.Operand);
                    if (operand.Type == SqlType.Interval || (operand.Type == SqlType.Json && target is SqlType.Timestamp))
                        throw Error($"Cannot cast {SqlTypes.Name(operand.Type)} to {SqlTypes.Name(target)}", cast.Pos);
                    return operand.Type == target ? operand : new BoundCast(operand, target, cast.Pos);
                }
                case JsonAccessExpr json:
                {
                    var operand = Bind(json.Operand);
                    if (operand.Type is not (SqlType.Json or SqlType.Any or SqlType.Null))
                        throw Error($"Operator {(json.AsText ? "->>" : "->")} needs a json value, not {SqlTypes.Name(operand.Type)}", json.Pos);
                    return new BoundJsonAccess(operand, json.Key, json.AsText, json.Pos);
                }
                case CallExpr call:
                    return BindCall(call);
                case SubscriptExpr subscript:
                {
                    var array = Bind(subscript.Operand);
                    if (array.Type != SqlType.TextArray)
                        throw Error($"A subscript [n] needs an array (such as REGEXP_MATCH's result), not {SqlTypes.Name(array.Type)}", subscript.Pos);
                    var position = Bind(subscript.Index);
                    if (position.Type is not (SqlType.Bigint or SqlType.Any or SqlType.Null))
                        throw Error($"An array subscript must be a whole number, not {SqlTypes.Name(position.Type)}", subscript.Index.Pos);
                    return new BoundCall(ScalarFunction.ArrayElement, [array, Convert(position, SqlType.Bigint)], SqlType.Text, subscript.Pos);
                }
                case SubqueryExpr subquery:
                    if (subqueries is not null && subqueries.TryGetValue(subquery, out var placeholder) && !insideAggregate) return placeholder;
                    throw Error($"A scalar subquery (SELECT ...) is supported in WHERE and HAVING, not in {clause}{(insideAggregate ? " inside an aggregate" : "")}; join the subquery in FROM instead", subquery.Pos);
                default:
                    throw Error("Unsupported expression", expr.Pos);
            }
        }

        private static BoundLiteral BindLiteral(LiteralExpr literal) => literal.Kind switch
        {
            LiteralKind.Null => new BoundLiteral(null, SqlType.Null, literal.Pos),
            LiteralKind.Boolean => new BoundLiteral(literal.Value, SqlType.Boolean, literal.Pos),
            LiteralKind.Integer => new BoundLiteral(literal.Value, SqlType.Bigint, literal.Pos),
            LiteralKind.Decimal => new BoundLiteral(literal.Value, SqlType.Decimal, literal.Pos),
            LiteralKind.Float => new BoundLiteral(literal.Value, SqlType.Double, literal.Pos),
            LiteralKind.String => new BoundLiteral(literal.Value, SqlType.Text, literal.Pos),
            LiteralKind.Interval => new BoundLiteral(literal.Value, SqlType.Interval, literal.Pos),
            _ => new BoundLiteral(literal.Value, SqlType.Timestamp, literal.Pos),
        };

        private static BoundExpr RequireBoolean(BoundExpr e, string what)
        {
            if (e.Type is SqlType.Boolean or SqlType.Any or SqlType.Null) return e;
            throw Error($"{what} needs a boolean operand, not {SqlTypes.Name(e.Type)}", e.Pos);
        }

        private static BoundExpr RequireText(BoundExpr e, string what)
        {
            if (e.Type is SqlType.Text or SqlType.Null) return e;
            if (e.Type == SqlType.Any) return new BoundCast(e, SqlType.Text, e.Pos);
            throw Error($"{what} needs a text operand, not {SqlTypes.Name(e.Type)}", e.Pos);
        }

        private BoundExpr BindBinary(BinaryExpr binary)
        {
            var op = binary.Op switch
            {
                "+" => BinaryOp.Add,
                "-" => BinaryOp.Subtract,
                "*" => BinaryOp.Multiply,
                "/" => BinaryOp.Divide,
                "%" => BinaryOp.Modulo,
                "=" => BinaryOp.Equal,
                "<>" => BinaryOp.NotEqual,
                "<" => BinaryOp.Less,
                "<=" => BinaryOp.LessOrEqual,
                ">" => BinaryOp.Greater,
                ">=" => BinaryOp.GreaterOrEqual,
                "AND" => BinaryOp.And,
                "OR" => BinaryOp.Or,
                "||" => BinaryOp.Concat,
                _ => throw Error($"Unknown operator '{binary.Op}'", binary.Pos),
            };
            return MakeBinary(op, Bind(binary.Left), Bind(binary.Right), binary.Pos);
        }

        public static BoundExpr MakeBinary(BinaryOp op, BoundExpr left, BoundExpr right, SourcePos pos)
        {
            string Describe() => $"Operator {BoundBinary.Symbol(op)} cannot be applied to {SqlTypes.Name(left.Type)} and {SqlTypes.Name(right.Type)}";
            switch (op)
            {
                case BinaryOp.And or BinaryOp.Or:
                    return new BoundBinary(op, RequireBoolean(left, BoundBinary.Symbol(op)), RequireBoolean(right, BoundBinary.Symbol(op)), SqlType.Boolean, SqlType.Boolean, pos);
                case BinaryOp.Concat:
                {
                    static BoundExpr AsText(BoundExpr e) => e.Type is SqlType.Text or SqlType.Null ? e : new BoundCast(e, SqlType.Text, e.Pos);
                    if (left.Type == SqlType.Interval || right.Type == SqlType.Interval) throw Error(Describe(), pos);
                    return new BoundBinary(op, AsText(left), AsText(right), SqlType.Text, SqlType.Text, pos);
                }
                case BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual:
                {
                    var type = ComparisonType(left.Type, right.Type, pos);
                    if (type == SqlType.Json) throw Error(Describe() + "; cast json values first", pos);
                    return new BoundBinary(op, CoerceLiteral(left, type), CoerceLiteral(right, type), type, SqlType.Boolean, pos);
                }
            }

            // Arithmetic.
            var l = left.Type == SqlType.Null ? right.Type : left.Type;
            var r = right.Type == SqlType.Null ? left.Type : right.Type;
            if (l == SqlType.Null && r == SqlType.Null) l = r = SqlType.Bigint;
            if (l == SqlType.Any || r == SqlType.Any)
            {
                if (l is SqlType.Text or SqlType.Boolean or SqlType.Json || r is SqlType.Text or SqlType.Boolean or SqlType.Json) throw Error(Describe(), pos);
                return new BoundBinary(op, left, right, SqlType.Any, SqlType.Any, pos);
            }
            if (SqlTypes.IsNumeric(l) && SqlTypes.IsNumeric(r))
            {
                var type = SqlTypes.PromoteNumeric(l, r);
                return new BoundBinary(op, left, right, type, type, pos);
            }
            if (op is BinaryOp.Add or BinaryOp.Subtract)
            {
                if (l == SqlType.Timestamp && r == SqlType.Interval) return new BoundBinary(op, left, right, SqlType.Timestamp, SqlType.Timestamp, pos);
                if (op == BinaryOp.Add && l == SqlType.Interval && r == SqlType.Timestamp) return new BoundBinary(op, right, left, SqlType.Timestamp, SqlType.Timestamp, pos);
                if (op == BinaryOp.Subtract && l == SqlType.Timestamp && r == SqlType.Timestamp) return new BoundBinary(op, left, right, SqlType.Timestamp, SqlType.Interval, pos);
                if (l == SqlType.Interval && r == SqlType.Interval) return new BoundBinary(op, left, right, SqlType.Interval, SqlType.Interval, pos);
            }
            throw Error(Describe(), pos);
        }

        /// <summary>The type two operands are compared as.</summary>
        public static SqlType ComparisonType(SqlType a, SqlType b, SourcePos pos)
        {
            if (a == SqlType.Null) return b == SqlType.Null ? SqlType.Any : b;
            if (b == SqlType.Null) return a;
            if (a == SqlType.Any || b == SqlType.Any) return SqlType.Any;
            if (a == b) return a;
            if (SqlTypes.IsNumeric(a) && SqlTypes.IsNumeric(b)) return SqlTypes.PromoteNumeric(a, b);
            // A text literal compared with a timestamp is read as a timestamp (CoerceLiteral checks it parses).
            if ((a == SqlType.Timestamp && b == SqlType.Text) || (a == SqlType.Text && b == SqlType.Timestamp)) return SqlType.Timestamp;
            throw Error($"Cannot compare {SqlTypes.Name(a)} with {SqlTypes.Name(b)}", pos);
        }

        /// <summary>Turns text literals compared with timestamps into timestamp literals; other operands stay.</summary>
        public static BoundExpr CoerceLiteral(BoundExpr e, SqlType type)
        {
            if (type != SqlType.Timestamp || e.Type != SqlType.Text) return e;
            if (e is BoundLiteral { Value: string text } && Parser.TryParseTimestamp(text, out var value)) return new BoundLiteral(value, SqlType.Timestamp, e.Pos);
            if (e is BoundLiteral) throw Error($"'{((BoundLiteral)e).Value}' is not a valid timestamp", e.Pos);
            throw Error("Cannot compare text with timestamp; use CAST", e.Pos);
        }

        private BoundExpr BindCase(CaseExpr caseExpr)
        {
            var conditions = new List<BoundExpr>();
            var values = new List<BoundExpr>();
            var operand = caseExpr.Operand is null ? null : Bind(caseExpr.Operand);
            foreach (var (when, then) in caseExpr.Branches)
            {
                var condition = Bind(when);
                conditions.Add(operand is null ? RequireBoolean(condition, "WHEN") : MakeBinary(BinaryOp.Equal, operand, condition, when.Pos));
                values.Add(Bind(then));
            }
            var otherwise = caseExpr.Else is null ? null : Bind(caseExpr.Else);
            var type = UnifyTypes(otherwise is null ? values : [.. values, otherwise], caseExpr.Pos, "CASE");
            return new BoundCase(conditions, values.Select(v => Convert(v, type)).ToList(), otherwise is null ? null : Convert(otherwise, type), type, caseExpr.Pos);
        }

        /// <summary>The common type of CASE branches or COALESCE arguments.</summary>
        public static SqlType UnifyTypes(IReadOnlyList<BoundExpr> items, SourcePos pos, string what)
        {
            var type = SqlType.Null;
            foreach (var item in items)
            {
                var t = item.Type;
                if (t == SqlType.Null || t == type) continue;
                if (type == SqlType.Null) type = t;
                else if (type == SqlType.Any || t == SqlType.Any) type = SqlType.Any;
                else if (SqlTypes.IsNumeric(type) && SqlTypes.IsNumeric(t)) type = SqlTypes.PromoteNumeric(type, t);
                else throw Error($"{what} mixes {SqlTypes.Name(type)} and {SqlTypes.Name(t)}", item.Pos);
            }
            return type == SqlType.Null ? SqlType.Any : type;
        }

        public static BoundExpr Convert(BoundExpr e, SqlType type) => e.Type == type || e.Type == SqlType.Null ? e : new BoundCast(e, type, e.Pos);

        private BoundExpr BindCall(CallExpr call)
        {
            var name = call.Name.ToLowerInvariant();
            var aggregate = name switch
            {
                "count" => call.Star ? AggregateKind.CountStar : AggregateKind.Count,
                "sum" => AggregateKind.Sum,
                "avg" => AggregateKind.Avg,
                "min" => AggregateKind.Min,
                "max" => AggregateKind.Max,
                "string_agg" => AggregateKind.StringAgg,
                "first_value" => AggregateKind.FirstValue,
                "last_value" => AggregateKind.LastValue,
                _ => (AggregateKind?)null,
            };
            if (call.Over is not null)
                throw Error(name == "row_number"
                    ? "ROW_NUMBER() OVER (...) must be a column of a subquery whose result is filtered by it, as in SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY k ORDER BY t DESC) AS rn FROM s) WHERE rn <= 10"
                    : $"{name.ToUpperInvariant()}(...) OVER is not supported; the window function supported is ROW_NUMBER() in a top-N subquery (WHERE rn <= N)", call.Pos);
            if (aggregate is { } kind) return BindAggregate(call, kind);
            if (call.Filter is not null) throw Error($"FILTER (WHERE ...) applies to aggregate functions, not to {name.ToUpperInvariant()}", call.Pos);
            if (call.OrderBy.Count > 0) throw Error($"ORDER BY inside a call applies to aggregate functions, not to {name.ToUpperInvariant()}", call.Pos);
            if (call.Star) throw Error($"'*' is only allowed in COUNT(*)", call.Pos);
            if (call.Distinct) throw Error($"DISTINCT is only allowed in aggregate functions", call.Pos);

            var args = call.Args.Select(Bind).ToList();
            void Arity(int min, int max)
            {
                if (args.Count < min || args.Count > max)
                    throw Error($"Function {name.ToUpperInvariant()} takes {(min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{min} to {max}")} argument(s), not {args.Count}", call.Pos);
            }
            BoundExpr Numeric(int i)
            {
                var a = args[i];
                if (SqlTypes.IsNumeric(a.Type) || a.Type is SqlType.Any) return a;
                if (a.Type == SqlType.Null) return new BoundLiteral(null, SqlType.Bigint, a.Pos);
                throw Error($"Function {name.ToUpperInvariant()} needs a numeric argument, not {SqlTypes.Name(a.Type)}", a.Pos);
            }
            BoundExpr Typed(int i, SqlType type, bool anyToText = false)
            {
                var a = args[i];
                if (a.Type == type) return a;
                if (a.Type == SqlType.Null) return new BoundLiteral(null, type, a.Pos);
                if (a.Type == SqlType.Any) return new BoundCast(a, type, a.Pos);
                if (anyToText && type == SqlType.Text && a.Type != SqlType.Interval) return new BoundCast(a, type, a.Pos);
                throw Error($"Function {name.ToUpperInvariant()} needs a {SqlTypes.Name(type)} argument, not {SqlTypes.Name(a.Type)}", a.Pos);
            }

            switch (name)
            {
                case "abs" or "floor" or "ceil" or "ceiling":
                {
                    Arity(1, 1);
                    var a = Numeric(0);
                    var fn = name switch { "abs" => ScalarFunction.Abs, "floor" => ScalarFunction.Floor, _ => ScalarFunction.Ceil };
                    return new BoundCall(fn, [a], a.Type, call.Pos);
                }
                case "round":
                {
                    Arity(1, 2);
                    var a = Numeric(0);
                    BoundExpr digits = args.Count == 2 ? Typed(1, SqlType.Bigint) : new BoundLiteral(0L, SqlType.Bigint, call.Pos);
                    return new BoundCall(ScalarFunction.Round, [a, digits], a.Type, call.Pos);
                }
                case "mod":
                    Arity(2, 2);
                    return MakeBinary(BinaryOp.Modulo, Numeric(0), Numeric(1), call.Pos);
                case "lower" or "upper":
                    Arity(1, 1);
                    return new BoundCall(name == "lower" ? ScalarFunction.Lower : ScalarFunction.Upper, [Typed(0, SqlType.Text)], SqlType.Text, call.Pos);
                case "length" or "char_length" or "character_length":
                    Arity(1, 1);
                    return new BoundCall(ScalarFunction.Length, [Typed(0, SqlType.Text)], SqlType.Bigint, call.Pos);
                case "substring" or "substr":
                    Arity(2, 3);
                    return new BoundCall(ScalarFunction.Substring,
                        args.Count == 2 ? [Typed(0, SqlType.Text), Typed(1, SqlType.Bigint)] : [Typed(0, SqlType.Text), Typed(1, SqlType.Bigint), Typed(2, SqlType.Bigint)],
                        SqlType.Text, call.Pos);
                case "concat":
                    if (args.Count == 0) Arity(1, int.MaxValue);
                    return new BoundCall(ScalarFunction.Concat, args.Select((_, i) => Typed(i, SqlType.Text, anyToText: true)).ToList(), SqlType.Text, call.Pos);
                case "coalesce":
                {
                    if (args.Count == 0) Arity(1, int.MaxValue);
                    var type = UnifyTypes(args, call.Pos, "COALESCE");
                    return new BoundCall(ScalarFunction.Coalesce, args.Select(a => Convert(a, type)).ToList(), type, call.Pos);
                }
                case "nullif":
                {
                    Arity(2, 2);
                    var type = ComparisonType(args[0].Type, args[1].Type, call.Pos);
                    return new BoundCall(ScalarFunction.NullIf, [Convert(args[0], type), Convert(args[1], type)], args[0].Type == SqlType.Null ? SqlType.Any : type, call.Pos);
                }
                case "date_trunc":
                {
                    Arity(2, 2);
                    if (args[0] is not BoundLiteral { Value: string unit } || !SqlFunctionsCatalog.TruncUnits.Contains(unit.ToLowerInvariant()))
                        throw Error($"DATE_TRUNC needs a unit literal: one of {string.Join(", ", SqlFunctionsCatalog.TruncUnits)}", args[0].Pos);
                    return new BoundCall(ScalarFunction.DateTrunc, [new BoundLiteral(unit.ToLowerInvariant(), SqlType.Text, args[0].Pos), Typed(1, SqlType.Timestamp)], SqlType.Timestamp, call.Pos);
                }
                case "extract":
                {
                    var field = (string)((BoundLiteral)args[0]).Value!;
                    if (!SqlFunctionsCatalog.ExtractFields.Contains(field))
                        throw Error($"EXTRACT cannot read '{field}'; use one of {string.Join(", ", SqlFunctionsCatalog.ExtractFields)}", args[0].Pos);
                    return new BoundCall(ScalarFunction.Extract, [args[0], Typed(1, SqlType.Timestamp)], field == "epoch" ? SqlType.Double : SqlType.Bigint, call.Pos);
                }
                case "now" or "current_timestamp" or "localtimestamp":
                    throw Error($"{name.ToUpperInvariant()}() is not supported: a continuous query's result must not depend on when it is run; use PROCTIME() for the time a row is processed", call.Pos);
                case "proctime":
                    Arity(0, 0);
                    return new BoundCall(ScalarFunction.ProcTime, [], SqlType.Timestamp, call.Pos);
                case "to_char":
                {
                    Arity(2, 2);
                    if (args[1].Type is not (SqlType.Text or SqlType.Null or SqlType.Any))
                        throw Error($"TO_CHAR needs a text pattern such as 'YYYY-MM-DD HH24:MI:SS', not {SqlTypes.Name(args[1].Type)}", args[1].Pos);
                    return new BoundCall(ScalarFunction.ToChar, [Typed(0, SqlType.Timestamp), Typed(1, SqlType.Text)], SqlType.Text, call.Pos);
                }
                case "split_part":
                    Arity(3, 3);
                    return new BoundCall(ScalarFunction.SplitPart, [Typed(0, SqlType.Text), Typed(1, SqlType.Text), Typed(2, SqlType.Bigint)], SqlType.Text, call.Pos);
                case "strpos":
                    Arity(2, 2);
                    return new BoundCall(ScalarFunction.Strpos, [Typed(0, SqlType.Text), Typed(1, SqlType.Text)], SqlType.Bigint, call.Pos);
                case "trim" or "btrim" or "ltrim" or "rtrim":
                {
                    Arity(1, 2);
                    var fn = name switch { "ltrim" => ScalarFunction.LTrim, "rtrim" => ScalarFunction.RTrim, _ => ScalarFunction.Trim };
                    BoundExpr characters = args.Count == 2 ? Typed(1, SqlType.Text) : new BoundLiteral(" ", SqlType.Text, call.Pos);
                    return new BoundCall(fn, [Typed(0, SqlType.Text), characters], SqlType.Text, call.Pos);
                }
                case "regexp_match":
                    Arity(2, 2);
                    CheckPattern(args[1]);
                    return new BoundCall(ScalarFunction.RegexpMatch, [Typed(0, SqlType.Text), Typed(1, SqlType.Text)], SqlType.TextArray, call.Pos);
                case "regexp_replace":
                {
                    Arity(3, 4);
                    CheckPattern(args[1]);
                    BoundExpr flags = args.Count == 4 ? Typed(3, SqlType.Text) : new BoundLiteral("", SqlType.Text, call.Pos);
                    if (flags is BoundLiteral { Value: string f } && f.Any(c => c is not ('g' or 'i')))
                        throw Error($"REGEXP_REPLACE flags may be 'g' (every match) and 'i' (ignore case), not '{f}'", flags.Pos);
                    return new BoundCall(ScalarFunction.RegexpReplace, [Typed(0, SqlType.Text), Typed(1, SqlType.Text), Typed(2, SqlType.Text), flags], SqlType.Text, call.Pos);
                }
                default:
                    throw Error($"Unknown function '{call.Name}'", call.Pos);
            }
        }

        private static void CheckPattern(BoundExpr pattern)
        {
            if (pattern is BoundLiteral { Value: string text } && SqlRegex.Check(text) is { } problem)
                throw Error($"Invalid regular expression: {problem}", pattern.Pos);
        }

        /// <summary>STRING_AGG(x, sep [ORDER BY …]), FIRST_VALUE(x ORDER BY …), LAST_VALUE(x ORDER BY …): the argument is the tuple [x, keys…].</summary>
        private BoundExpr BindOrderedAggregate(CallExpr call, AggregateKind kind, string upper, Func<BoundExpr, BoundExpr> filtered)
        {
            var stringAgg = kind == AggregateKind.StringAgg;
            if (call.Distinct) throw Error($"DISTINCT is not supported in {upper}", call.Pos);
            if (call.Args.Count != (stringAgg ? 2 : 1))
                throw Error(stringAgg ? "STRING_AGG takes a value and a separator, as in STRING_AGG(name, ', ' ORDER BY name)" : $"{upper} takes one argument and an ORDER BY, as in {upper}(price ORDER BY date_time)", call.Pos);
            if (!stringAgg && call.OrderBy.Count == 0) throw Error($"{upper} needs ORDER BY inside the call to say which row is {(kind == AggregateKind.FirstValue ? "first" : "last")}, as in {upper}(price ORDER BY date_time)", call.Pos);
            insideAggregate = true;
            var value = Bind(call.Args[0]);
            if (stringAgg) value = RequireText(value, "STRING_AGG");
            var keys = call.OrderBy.Select(o => Bind(o.Expr)).ToList();
            var separator = stringAgg ? Bind(call.Args[1]) : null;
            insideAggregate = false;
            if (separator is not null and not BoundLiteral { Value: string })
                throw Error("STRING_AGG needs a text literal as its separator", call.Args[1].Pos);
            foreach (var key in keys)
            {
                if (key.Type is SqlType.Json or SqlType.Interval or SqlType.TextArray) throw Error($"Cannot order by {SqlTypes.Name(key.Type)} values", key.Pos);
            }
            var type = stringAgg ? SqlType.Text : value.Type == SqlType.Null ? SqlType.Any : value.Type;
            var argument = filtered(new BoundTuple([value, .. keys], call.Pos));
            var aggregate = new AggregateCall(kind, argument, false, type)
            {
                Descending = call.OrderBy.Select(o => o.Descending).ToList(),
                Separator = (string?)((BoundLiteral?)separator)?.Value ?? "",
            };
            return new BoundAggregateRef(aggregates!.Add(aggregate), type, call.Pos);
        }

        private BoundExpr BindAggregate(CallExpr call, AggregateKind kind)
        {
            var upper = call.Name.ToUpperInvariant();
            if (aggregates is null) throw Error($"Aggregate function {upper} is not allowed in {clause}", call.Pos);
            if (insideAggregate) throw Error($"Aggregate function {upper} cannot be nested inside another aggregate", call.Pos);
            // FILTER (WHERE c) is folded into the argument: CASE WHEN c THEN x END is NULL for the rows it leaves out,
            // and every aggregate skips NULLs (COUNT(*) FILTER becomes COUNT(CASE WHEN c THEN 1 END)).
            BoundExpr? filter = null;
            if (call.Filter is not null)
            {
                insideAggregate = true;
                filter = RequireBoolean(Bind(call.Filter), "FILTER (WHERE ...)");
                insideAggregate = false;
            }
            BoundExpr Filtered(BoundExpr argument) =>
                filter is null ? argument : new BoundCase([filter], [argument], null, argument.Type == SqlType.Null ? SqlType.Any : argument.Type, argument.Pos);
            if (kind == AggregateKind.CountStar)
            {
                if (filter is null) return new BoundAggregateRef(aggregates.Add(new AggregateCall(kind, null, false, SqlType.Bigint)), SqlType.Bigint, call.Pos);
                var counted = Filtered(new BoundLiteral(1L, SqlType.Bigint, call.Pos));
                return new BoundAggregateRef(aggregates.Add(new AggregateCall(AggregateKind.Count, counted, false, SqlType.Bigint)), SqlType.Bigint, call.Pos);
            }
            if (kind is AggregateKind.StringAgg or AggregateKind.FirstValue or AggregateKind.LastValue) return BindOrderedAggregate(call, kind, upper, Filtered);
            if (call.Args.Count != 1) throw Error($"Aggregate function {upper} takes exactly one argument", call.Pos);
            insideAggregate = true;
            var arg = Filtered(Bind(call.Args[0]));
            insideAggregate = false;
            if (call.Distinct && kind is AggregateKind.Sum or AggregateKind.Avg)
                throw Error($"DISTINCT is supported in COUNT, MIN and MAX, not in {upper}", call.Pos);
            SqlType type;
            switch (kind)
            {
                case AggregateKind.Count:
                    type = SqlType.Bigint;
                    break;
                case AggregateKind.Sum or AggregateKind.Avg:
                    if (arg.Type == SqlType.Null) arg = new BoundLiteral(null, SqlType.Bigint, arg.Pos);
                    if (!SqlTypes.IsNumeric(arg.Type) && arg.Type != SqlType.Any)
                        throw Error($"{upper} needs a numeric argument, not {SqlTypes.Name(arg.Type)}", arg.Pos);
                    type = kind == AggregateKind.Avg && arg.Type == SqlType.Bigint ? SqlType.Decimal : arg.Type;
                    break;
                default:
                    if (arg.Type is SqlType.Json or SqlType.Interval) throw Error($"{upper} cannot compare {SqlTypes.Name(arg.Type)} values", arg.Pos);
                    type = arg.Type == SqlType.Null ? SqlType.Any : arg.Type;
                    break;
            }
            return new BoundAggregateRef(aggregates.Add(new AggregateCall(kind, arg, call.Distinct && kind == AggregateKind.Count, type)), type, call.Pos);
        }
    }

    public static BoundExpr MakeBinary(BinaryOp op, BoundExpr left, BoundExpr right, SourcePos pos) => Context.MakeBinary(op, left, right, pos);

    public static SqlType ComparisonType(SqlType a, SqlType b, SourcePos pos) => Context.ComparisonType(a, b, pos);

    public static SqlType UnifyTypes(IReadOnlyList<BoundExpr> items, SourcePos pos, string what) => Context.UnifyTypes(items, pos, what);

    public static BoundExpr Convert(BoundExpr e, SqlType type) => Context.Convert(e, type);
}

internal static class SqlFunctionsCatalog
{
    public static readonly string[] TruncUnits = ["millisecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year"];

    public static readonly string[] ExtractFields = ["year", "quarter", "month", "week", "day", "dow", "doy", "hour", "minute", "second", "millisecond", "epoch"];
}
