using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// Compiles bound expressions into typed delegates over <c>object?[]</c> rows with System.Linq.Expressions.
/// Values are unboxed once into nullable CLR types; NULL propagates through lifted operators. Generated code
/// calls only <see cref="SqlRuntime"/> and <see cref="DynamicOps"/>.
/// </summary>
internal static class ExpressionCompiler
{
    private static readonly ParameterExpression Row = Expression.Parameter(typeof(object?[]), "row");

    public static Func<object?[], object?> CompileValue(BoundExpr expr)
        => Expression.Lambda<Func<object?[], object?>>(Boxed(expr), Row).Compile();

    public static Func<object?[], bool> CompilePredicate(BoundExpr expr)
        => Expression.Lambda<Func<object?[], bool>>(IsTrue(AsBoolean(expr)), Row).Compile();

    /// <summary>One delegate that builds a whole output row: one call per input row.</summary>
    public static Func<object?[], object?[]> CompileRow(IReadOnlyList<BoundExpr> exprs)
        => Expression.Lambda<Func<object?[], object?[]>>(Expression.NewArrayInit(typeof(object), exprs.Select(Boxed)), Row).Compile();

    public static Type ClrType(SqlType type) => type switch
    {
        SqlType.Bigint => typeof(long?),
        SqlType.Double => typeof(double?),
        SqlType.Decimal => typeof(decimal?),
        SqlType.Text => typeof(string),
        SqlType.Boolean => typeof(bool?),
        SqlType.Timestamp => typeof(DateTime?),
        SqlType.Json => typeof(JsonElement?),
        SqlType.Interval => typeof(TimeSpan?),
        SqlType.TextArray => typeof(string[]),
        _ => typeof(object),
    };

    private static MethodInfo Method(Type type, string name, params Type[] args) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, args) ?? throw new InvalidOperationException($"Missing helper {type.Name}.{name}");

    private static MethodInfo Runtime(string name, params Type[] args) => Method(typeof(SqlRuntime), name, args);

    private static MethodInfo Dynamic(string name, params Type[] args) => Method(typeof(DynamicOps), name, args);

    private static MethodInfo Text(string name, params Type[] args) => Method(typeof(SqlTextRuntime), name, args);

    private static Expression Boxed(BoundExpr expr)
    {
        if (expr is BoundColumn c) return Expression.ArrayIndex(Row, Expression.Constant(c.Index));
        // A constant is boxed once, here, not again on every row.
        if (expr is BoundLiteral l) return Expression.Constant(l.Value, typeof(object));
        // CASE WHEN … THEN column or constant (what FILTER (WHERE …) becomes): the chosen value is passed as it is
        // stored, instead of being unboxed and boxed again (an allocation per row and aggregate in Nexmark q15–q17).
        if (expr is BoundCase when && AsStored(when) is { } stored) return stored;
        var compiled = Compile(expr);
        if (compiled.Type == typeof(bool?)) return Expression.Call(Dynamic(nameof(DynamicOps.Box), typeof(bool?)), compiled);
        return compiled.Type == typeof(object) ? compiled : Expression.Convert(compiled, typeof(object));
    }

    /// <summary>A CASE whose results are all columns or constants of its own type, compiled to return them boxed as they are.</summary>
    private static Expression? AsStored(BoundCase c)
    {
        bool Plain(BoundExpr e) => e is BoundColumn or BoundLiteral && e.Type == c.Type;
        if (!c.Values.All(Plain) || (c.Else is not null && !Plain(c.Else))) return null;
        Expression result = c.Else is null ? Expression.Constant(null, typeof(object)) : Boxed(c.Else);
        for (var i = c.Conditions.Count - 1; i >= 0; i--)
            result = Expression.Condition(IsTrue(AsBoolean(c.Conditions[i])), Boxed(c.Values[i]), result);
        return result;
    }

    private static Expression IsTrue(Expression boolean) => Expression.Equal(boolean, Expression.Constant(true, typeof(bool?)));

    private static Expression AsBoolean(BoundExpr expr) => expr.Type switch
    {
        SqlType.Boolean => Compile(expr),
        SqlType.Null => Expression.Constant(null, typeof(bool?)),
        _ => Expression.Call(Dynamic(nameof(DynamicOps.ToBoolean), typeof(object)), Compile(expr)),
    };

    /// <summary>Compiles <paramref name="expr"/> to an expression of <see cref="ClrType"/> of its type.</summary>
    private static Expression Compile(BoundExpr expr)
    {
        switch (expr)
        {
            case BoundColumn c:
            {
                var cell = Expression.ArrayIndex(Row, Expression.Constant(c.Index));
                return c.Type == SqlType.Any ? cell : Expression.Convert(cell, ClrType(c.Type));
            }
            case BoundLiteral l:
                return Expression.Constant(l.Value, ClrType(l.Type));
            case BoundNot n:
                return Expression.Not(AsBoolean(n.Operand));
            case BoundNegate n:
            {
                var operand = ConvertTo(n.Operand, n.Type);
                return n.Type switch
                {
                    SqlType.Bigint => Expression.NegateChecked(operand),
                    SqlType.Double or SqlType.Decimal => Expression.Negate(operand),
                    SqlType.Interval => Expression.Call(Runtime(nameof(SqlRuntime.NegateInterval), typeof(TimeSpan?)), operand),
                    _ => Expression.Call(Dynamic(nameof(DynamicOps.Negate), typeof(object)), operand),
                };
            }
            case BoundBinary b:
                return CompileBinary(b);
            case BoundIsNull n:
            {
                var operand = Compile(n.Operand);
                Expression test = operand.Type.IsValueType && Nullable.GetUnderlyingType(operand.Type) is null
                    ? Expression.Constant(false)
                    : Expression.Equal(operand, Expression.Constant(null, operand.Type));
                if (n.Negated) test = Expression.Not(test);
                return Expression.Convert(test, typeof(bool?));
            }
            case BoundInList i:
                return CompileIn(i);
            case BoundLike like:
            {
                var text = ConvertTo(like.Operand, SqlType.Text);
                Expression result = like.Pattern is BoundLiteral { Value: string pattern }
                    ? Expression.Call(Runtime(nameof(SqlRuntime.Like), typeof(string), typeof(LikePattern)), text, Expression.Constant(new LikePattern(pattern)))
                    : Expression.Call(Runtime(nameof(SqlRuntime.LikeDynamic), typeof(string), typeof(string)), text, ConvertTo(like.Pattern, SqlType.Text));
                return like.Negated ? Expression.Not(result) : result;
            }
            case BoundCase c:
            {
                var type = ClrType(c.Type);
                Expression result = c.Else is null ? Expression.Constant(null, type) : ConvertTo(c.Else, c.Type);
                for (var i = c.Conditions.Count - 1; i >= 0; i--)
                    result = Expression.Condition(IsTrue(AsBoolean(c.Conditions[i])), ConvertTo(c.Values[i], c.Type), result);
                return result;
            }
            case BoundCast cast:
                return ConvertTo(cast.Operand, cast.Type);
            case BoundCall call:
                return CompileCall(call);
            case BoundTuple tuple:
                return Expression.Convert(Expression.NewArrayInit(typeof(object), tuple.Items.Select(Boxed)), typeof(object));
            case BoundJsonAccess json:
            {
                var key = Expression.Constant(json.Key);
                if (json.Operand.Type is SqlType.Json)
                {
                    var operand = Compile(json.Operand);
                    return json.AsText
                        ? Expression.Call(Runtime(nameof(SqlRuntime.JsonGetText), typeof(JsonElement?), typeof(string)), operand, key)
                        : Expression.Call(Runtime(nameof(SqlRuntime.JsonGet), typeof(JsonElement?), typeof(string)), operand, key);
                }
                var any = ConvertTo(json.Operand, SqlType.Any);
                return json.AsText
                    ? Expression.Call(Runtime(nameof(SqlRuntime.JsonGetTextDynamic), typeof(object), typeof(string)), any, key)
                    : Expression.Call(Dynamic(nameof(DynamicOps.JsonGet), typeof(object), typeof(string)), any, key);
            }
            default:
                throw new InvalidOperationException($"Cannot compile {expr.GetType().Name}.");
        }
    }

    /// <summary>Compiles <paramref name="expr"/> and converts it to <paramref name="target"/>.</summary>
    private static Expression ConvertTo(BoundExpr expr, SqlType target)
    {
        if (expr.Type == SqlType.Null) return Expression.Constant(null, ClrType(target));
        var compiled = Compile(expr);
        return ConvertExpression(compiled, expr.Type, target);
    }

    private static Expression ConvertExpression(Expression compiled, SqlType from, SqlType to)
    {
        if (from == to || ClrType(to) == compiled.Type && to != SqlType.Any) return compiled;
        if (to == SqlType.Any)
            return compiled.Type == typeof(bool?) ? Expression.Call(Dynamic(nameof(DynamicOps.Box), typeof(bool?)), compiled) : Expression.Convert(compiled, typeof(object));
        // Widening numeric conversions are exact (or IEEE-rounded for double): convert inline.
        if ((from == SqlType.Bigint && to is SqlType.Decimal or SqlType.Double) || (from == SqlType.Decimal && to == SqlType.Double))
            return Expression.Convert(compiled, ClrType(to));
        var boxed = compiled.Type == typeof(object) ? compiled : Expression.Convert(compiled, typeof(object));
        return to switch
        {
            SqlType.Bigint => Expression.Call(Dynamic(nameof(DynamicOps.ToBigint), typeof(object)), boxed),
            SqlType.Double => Expression.Call(Dynamic(nameof(DynamicOps.ToDouble), typeof(object)), boxed),
            SqlType.Decimal => Expression.Call(Dynamic(nameof(DynamicOps.ToDecimal), typeof(object)), boxed),
            SqlType.Text => Expression.Call(Dynamic(nameof(DynamicOps.ToText), typeof(object)), boxed),
            SqlType.Boolean => Expression.Call(Dynamic(nameof(DynamicOps.ToBoolean), typeof(object)), boxed),
            SqlType.Timestamp => Expression.Call(Dynamic(nameof(DynamicOps.ToTimestamp), typeof(object)), boxed),
            SqlType.Json => Expression.Call(Dynamic(nameof(DynamicOps.ToJson), typeof(object)), boxed),
            _ => throw new InvalidOperationException($"Cannot convert {from} to {to}."),
        };
    }

    private static Expression CompileBinary(BoundBinary b)
    {
        switch (b.Op)
        {
            case BinaryOp.And or BinaryOp.Or:
            {
                // Cheapest operand first where that cannot add an error: a short-circuit then skips the expensive
                // ones (Nexmark q21's LOWER … IN decides half the rows before its REGEXP_MATCH would run).
                var operands = EvaluationOrder.For(b);
                var result = AsBoolean(operands[0]);
                for (var i = 1; i < operands.Count; i++) result = ShortCircuit(b.Op, result, AsBoolean(operands[i]));
                return result;
            }
            case BinaryOp.Concat:
                return Expression.Call(Runtime(nameof(SqlRuntime.Concat), typeof(string), typeof(string)), ConvertTo(b.Left, SqlType.Text), ConvertTo(b.Right, SqlType.Text));
            case BinaryOp.Equal or BinaryOp.NotEqual when (LowerAgainstLiteral(b.Left, b.Right) ?? LowerAgainstLiteral(b.Right, b.Left)) is (BoundExpr lowered, string literal):
            {
                var equal = Expression.Call(Method(typeof(LoweredText), nameof(LoweredText.EqualsLiteral), typeof(string), typeof(string)),
                    ConvertTo(lowered, SqlType.Text), Expression.Constant(literal));
                return b.Op == BinaryOp.Equal ? equal : Expression.Not(equal);
            }
            case BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual:
                return CompileComparison(b.Op, ConvertTo(b.Left, b.OperandType), ConvertTo(b.Right, b.OperandType), b.OperandType);
        }

        var type = b.OperandType;
        if (type == SqlType.Timestamp)
        {
            var time = ConvertTo(b.Left, SqlType.Timestamp);
            if (b.Type == SqlType.Interval)
                return Expression.Call(Runtime(nameof(SqlRuntime.SubtractTimestamps), typeof(DateTime?), typeof(DateTime?)), time, ConvertTo(b.Right, SqlType.Timestamp));
            var span = ConvertTo(b.Right, SqlType.Interval);
            return Expression.Call(Runtime(b.Op == BinaryOp.Add ? nameof(SqlRuntime.AddInterval) : nameof(SqlRuntime.SubtractInterval), typeof(DateTime?), typeof(TimeSpan?)), time, span);
        }
        if (type == SqlType.Interval)
            return Expression.Call(Runtime(b.Op == BinaryOp.Add ? nameof(SqlRuntime.AddIntervals) : nameof(SqlRuntime.SubtractIntervals), typeof(TimeSpan?), typeof(TimeSpan?)),
                ConvertTo(b.Left, SqlType.Interval), ConvertTo(b.Right, SqlType.Interval));
        if (type == SqlType.Any)
        {
            var op = b.Op switch { BinaryOp.Add => 0, BinaryOp.Subtract => 1, BinaryOp.Multiply => 2, BinaryOp.Divide => 3, _ => 4 };
            return Expression.Call(Dynamic(nameof(DynamicOps.Arithmetic), typeof(int), typeof(object), typeof(object)), Expression.Constant(op), ConvertTo(b.Left, SqlType.Any), ConvertTo(b.Right, SqlType.Any));
        }

        var l = ConvertTo(b.Left, type);
        var r = ConvertTo(b.Right, type);
        if (type == SqlType.Double && b.Op is BinaryOp.Divide or BinaryOp.Modulo)
            return Expression.Call(Runtime(b.Op == BinaryOp.Divide ? nameof(SqlRuntime.DivideDouble) : nameof(SqlRuntime.ModuloDouble), typeof(double?), typeof(double?)), l, r);
        var isChecked = type == SqlType.Bigint;
        return b.Op switch
        {
            BinaryOp.Add => isChecked ? Expression.AddChecked(l, r) : Expression.Add(l, r),
            BinaryOp.Subtract => isChecked ? Expression.SubtractChecked(l, r) : Expression.Subtract(l, r),
            BinaryOp.Multiply => isChecked ? Expression.MultiplyChecked(l, r) : Expression.Multiply(l, r),
            BinaryOp.Divide => Expression.Divide(l, r),
            _ => Expression.Modulo(l, r),
        };
    }

    /// <summary>The operand of <c>LOWER(operand)</c> and the text literal it is compared with, or null for any other pair.</summary>
    private static (BoundExpr Operand, string Literal)? LowerAgainstLiteral(BoundExpr lower, BoundExpr literal) =>
        lower is BoundCall { Function: ScalarFunction.Lower, Type: SqlType.Text, Args.Count: 1 } call && literal is BoundLiteral { Type: SqlType.Text, Value: string text }
            ? (call.Args[0], text)
            : null;

    /// <summary>Three-valued AND (FALSE wins, then NULL) or OR (TRUE wins, then NULL); the right side runs only when the left does not decide.</summary>
    private static Expression ShortCircuit(BinaryOp op, Expression leftValue, Expression rightValue)
    {
        var left = Expression.Variable(typeof(bool?), "l");
        var right = Expression.Variable(typeof(bool?), "r");
        if (op == BinaryOp.And)
        {
            var falseValue = Expression.Constant(false, typeof(bool?));
            return Expression.Block(typeof(bool?), [left, right],
                Expression.Assign(left, leftValue),
                Expression.Condition(Expression.Equal(left, falseValue), falseValue,
                    Expression.Block(typeof(bool?),
                        Expression.Assign(right, rightValue),
                        Expression.Call(Runtime(nameof(SqlRuntime.And), typeof(bool?), typeof(bool?)), left, right))));
        }
        var trueValue = Expression.Constant(true, typeof(bool?));
        var nullValue = Expression.Constant(null, typeof(bool?));
        return Expression.Block(typeof(bool?), [left, right],
            Expression.Assign(left, leftValue),
            Expression.Condition(Expression.Equal(left, trueValue), trueValue,
                Expression.Block(typeof(bool?),
                    Expression.Assign(right, rightValue),
                    Expression.Condition(Expression.Equal(right, trueValue), trueValue,
                        Expression.Condition(Expression.OrElse(Expression.Equal(left, nullValue), Expression.Equal(right, nullValue)), nullValue,
                            Expression.Constant(false, typeof(bool?)))))));
    }

    private static Expression CompileComparison(BinaryOp op, Expression l, Expression r, SqlType type)
    {
        var kind = op switch
        {
            BinaryOp.Equal => ExpressionType.Equal,
            BinaryOp.NotEqual => ExpressionType.NotEqual,
            BinaryOp.Less => ExpressionType.LessThan,
            BinaryOp.LessOrEqual => ExpressionType.LessThanOrEqual,
            BinaryOp.Greater => ExpressionType.GreaterThan,
            _ => ExpressionType.GreaterThanOrEqual,
        };
        switch (type)
        {
            case SqlType.Bigint or SqlType.Double or SqlType.Decimal or SqlType.Timestamp or SqlType.Interval:
                return Expression.MakeBinary(kind, l, r, liftToNull: true, method: null);
            case SqlType.Boolean when op is BinaryOp.Equal or BinaryOp.NotEqual:
                return Expression.MakeBinary(kind, l, r, liftToNull: true, method: null);
        }
        var compare = type switch
        {
            SqlType.Text => Expression.Call(Runtime(nameof(SqlRuntime.CompareText), typeof(string), typeof(string)), l, r),
            SqlType.Boolean => Expression.Call(Runtime(nameof(SqlRuntime.CompareBoolean), typeof(bool?), typeof(bool?)), l, r),
            _ => Expression.Call(Dynamic(nameof(DynamicOps.Compare), typeof(object), typeof(object)), ConvertExpression(l, type, SqlType.Any), ConvertExpression(r, type, SqlType.Any)),
        };
        return Expression.MakeBinary(kind, compare, Expression.Constant(0, typeof(int?)), liftToNull: true, method: null);
    }

    private static Expression CompileIn(BoundInList i)
    {
        var type = i.OperandType;
        Expression result;
        if (i.Items.All(x => x is BoundLiteral) && type is SqlType.Bigint or SqlType.Double or SqlType.Decimal or SqlType.Timestamp or SqlType.Text or SqlType.Boolean)
        {
            var values = i.Items.Select(x => ((BoundLiteral)x).Value).ToList();
            var hasNull = values.Any(v => v is null);
            var nonNull = values.Where(v => v is not null).Select(v => ConvertLiteral(v!, type)).ToList();
            if (type == SqlType.Text && i.Operand is BoundCall { Function: ScalarFunction.Lower, Type: SqlType.Text, Args.Count: 1 } lower)
            {
                var set = new LoweredTextSet(nonNull.Cast<string>(), hasNull);
                result = Expression.Call(Expression.Constant(set), typeof(LoweredTextSet).GetMethod(nameof(LoweredTextSet.Contains))!, ConvertTo(lower.Args[0], SqlType.Text));
            }
            else if (type == SqlType.Text)
            {
                var set = new HashSet<string>(nonNull.Cast<string>(), StringComparer.Ordinal);
                result = Expression.Call(Runtime(nameof(SqlRuntime.InTextSet), typeof(string), typeof(HashSet<string>), typeof(bool)), ConvertTo(i.Operand, type), Expression.Constant(set), Expression.Constant(hasNull));
            }
            else
            {
                var clr = Nullable.GetUnderlyingType(ClrType(type))!;
                var setType = typeof(HashSet<>).MakeGenericType(clr);
                var set = Activator.CreateInstance(setType)!;
                var add = setType.GetMethod("Add")!;
                foreach (var v in nonNull) add.Invoke(set, [v]);
                var method = typeof(SqlRuntime).GetMethod(nameof(SqlRuntime.InSet))!.MakeGenericMethod(clr);
                result = Expression.Call(method, ConvertTo(i.Operand, type), Expression.Constant(set, setType), Expression.Constant(hasNull));
            }
        }
        else
        {
            var items = i.Items.Select(x => ConvertTo(x, SqlType.Any)).ToList();
            result = Expression.Call(Runtime(nameof(SqlRuntime.InObjectList), typeof(object), typeof(object?[])), ConvertTo(i.Operand, SqlType.Any), Expression.NewArrayInit(typeof(object), items));
        }
        return i.Negated ? Expression.Not(result) : result;
    }

    private static object ConvertLiteral(object value, SqlType type) => type switch
    {
        SqlType.Bigint => DynamicOps.ToBigint(value)!.Value,
        SqlType.Double => DynamicOps.ToDouble(value)!.Value,
        SqlType.Decimal => DynamicOps.ToDecimal(value)!.Value,
        SqlType.Timestamp => DynamicOps.ToTimestamp(value)!.Value,
        SqlType.Boolean => DynamicOps.ToBoolean(value)!.Value,
        _ => DynamicOps.ToText(value)!,
    };

    private static Expression CompileCall(BoundCall call)
    {
        var args = call.Args;
        switch (call.Function)
        {
            case ScalarFunction.Abs or ScalarFunction.Floor or ScalarFunction.Ceil:
            {
                var name = call.Function.ToString();
                if (call.Type == SqlType.Any) return Expression.Call(Dynamic(name, typeof(object)), ConvertTo(args[0], SqlType.Any));
                var clr = ClrType(call.Type);
                return Expression.Call(Runtime(name, clr), ConvertTo(args[0], call.Type));
            }
            case ScalarFunction.Round:
            {
                var digits = ConvertTo(args[1], SqlType.Bigint);
                if (call.Type == SqlType.Any) return Expression.Call(Dynamic(nameof(DynamicOps.Round), typeof(object), typeof(long?)), ConvertTo(args[0], SqlType.Any), digits);
                return Expression.Call(Runtime(nameof(SqlRuntime.Round), ClrType(call.Type), typeof(long?)), ConvertTo(args[0], call.Type), digits);
            }
            case ScalarFunction.Lower or ScalarFunction.Upper or ScalarFunction.Length:
                return Expression.Call(Runtime(call.Function.ToString(), typeof(string)), ConvertTo(args[0], SqlType.Text));
            case ScalarFunction.Substring:
                return args.Count == 2
                    ? Expression.Call(Runtime(nameof(SqlRuntime.Substring2), typeof(string), typeof(long?)), ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Bigint))
                    : Expression.Call(Runtime(nameof(SqlRuntime.Substring), typeof(string), typeof(long?), typeof(long?)), ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Bigint), ConvertTo(args[2], SqlType.Bigint));
            case ScalarFunction.Concat:
                return Expression.Call(Runtime(nameof(SqlRuntime.ConcatAll), typeof(string?[])), Expression.NewArrayInit(typeof(string), args.Select(a => ConvertTo(a, SqlType.Text))));
            case ScalarFunction.Coalesce:
            {
                var type = call.Type;
                Expression result = ConvertTo(args[^1], type);
                for (var i = args.Count - 2; i >= 0; i--) result = Expression.Coalesce(ConvertTo(args[i], type), result);
                return result;
            }
            case ScalarFunction.NullIf:
            {
                var type = args[0].Type == SqlType.Null ? args[1].Type : args[0].Type;
                var value = Expression.Variable(ClrType(call.Type), "v");
                var equal = CompileComparison(BinaryOp.Equal, ConvertExpression(value, call.Type, type), ConvertTo(args[1], type), type);
                return Expression.Block(value.Type, [value],
                    Expression.Assign(value, ConvertTo(args[0], call.Type)),
                    Expression.Condition(IsTrue(equal), Expression.Constant(null, value.Type), value));
            }
            case ScalarFunction.DateTrunc:
                return Expression.Call(Runtime(nameof(SqlRuntime.DateTrunc), typeof(string), typeof(DateTime?)), Expression.Constant(((BoundLiteral)args[0]).Value), ConvertTo(args[1], SqlType.Timestamp));
            case ScalarFunction.Extract:
                return Expression.Call(Runtime(call.Type == SqlType.Double ? nameof(SqlRuntime.ExtractEpoch) : nameof(SqlRuntime.Extract), typeof(string), typeof(DateTime?)),
                    Expression.Constant(((BoundLiteral)args[0]).Value), ConvertTo(args[1], SqlType.Timestamp));
            case ScalarFunction.ToChar:
                return args[1] is BoundLiteral { Value: string pattern }
                    ? Expression.Call(Text(nameof(SqlTextRuntime.ToChar), typeof(DateTime?), typeof(ToCharFormat)), ConvertTo(args[0], SqlType.Timestamp), Expression.Constant(new ToCharFormat(pattern)))
                    : Expression.Call(Text(nameof(SqlTextRuntime.ToCharDynamic), typeof(DateTime?), typeof(string)), ConvertTo(args[0], SqlType.Timestamp), ConvertTo(args[1], SqlType.Text));
            case ScalarFunction.SplitPart:
                return Expression.Call(Text(nameof(SqlTextRuntime.SplitPart), typeof(string), typeof(string), typeof(long?)),
                    ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Text), ConvertTo(args[2], SqlType.Bigint));
            case ScalarFunction.Strpos:
                return Expression.Call(Text(nameof(SqlTextRuntime.Strpos), typeof(string), typeof(string)), ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Text));
            case ScalarFunction.Trim or ScalarFunction.LTrim or ScalarFunction.RTrim:
                return Expression.Call(Text(call.Function.ToString(), typeof(string), typeof(string)), ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Text));
            case ScalarFunction.RegexpMatch:
                return args[1] is BoundLiteral { Value: string matchPattern }
                    ? Expression.Call(Text(nameof(SqlTextRuntime.RegexpMatch), typeof(string), typeof(SqlRegex)), ConvertTo(args[0], SqlType.Text), Expression.Constant(SqlRegex.For(matchPattern)))
                    : Expression.Call(Text(nameof(SqlTextRuntime.RegexpMatchDynamic), typeof(string), typeof(string)), ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Text));
            case ScalarFunction.RegexpReplace:
                if (args[1] is BoundLiteral { Value: string replacePattern } && args[3] is BoundLiteral { Value: string flags })
                {
                    var regex = new SqlRegex(replacePattern, flags.Contains('i', StringComparison.Ordinal));
                    return Expression.Call(Text(nameof(SqlTextRuntime.RegexpReplace), typeof(string), typeof(SqlRegex), typeof(string), typeof(bool)),
                        ConvertTo(args[0], SqlType.Text), Expression.Constant(regex), ConvertTo(args[2], SqlType.Text), Expression.Constant(flags.Contains('g', StringComparison.Ordinal)));
                }
                return Expression.Call(Text(nameof(SqlTextRuntime.RegexpReplaceDynamic), typeof(string), typeof(string), typeof(string), typeof(string)),
                    ConvertTo(args[0], SqlType.Text), ConvertTo(args[1], SqlType.Text), ConvertTo(args[2], SqlType.Text), ConvertTo(args[3], SqlType.Text));
            case ScalarFunction.ArrayElement:
                return Expression.Call(Text(nameof(SqlTextRuntime.ArrayElement), typeof(string[]), typeof(long?)), Compile(args[0]), ConvertTo(args[1], SqlType.Bigint));
            case ScalarFunction.ProcTime:
                return Expression.Call(Text(nameof(SqlTextRuntime.ProcTime)));
            default:
                throw new InvalidOperationException($"Cannot compile function {call.Function}.");
        }
    }
}
