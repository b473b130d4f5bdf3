using System.Globalization;
using System.Text;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Planning;

// Resolved, typed expressions over a row layout (column indexes). Immutable; printed for EXPLAIN and
// compared by their printed form when matching SELECT expressions to GROUP BY keys.

internal enum BinaryOp { Add, Subtract, Multiply, Divide, Modulo, Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Concat }

internal enum ScalarFunction
{
    Abs, Round, Floor, Ceil, Lower, Upper, Length, Substring, Concat, Coalesce, DateTrunc, Extract, NullIf,
    ToChar, SplitPart, Strpos, Trim, LTrim, RTrim, RegexpMatch, RegexpReplace, ArrayElement, ProcTime,
}

internal abstract record BoundExpr(SqlType Type, SourcePos Pos)
{
    public abstract void Print(StringBuilder sb);

    public sealed override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb);
        return sb.ToString();
    }

    /// <summary>Rebuilds the tree bottom-up after <paramref name="replace"/> had a chance to substitute a node (pre-order).</summary>
    public abstract BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace);

    public abstract IEnumerable<BoundExpr> Children { get; }

    /// <summary>This expression and every expression inside it, each before its operands.</summary>
    public IEnumerable<BoundExpr> SelfAndDescendants() => TreeWalk.PreOrder(this, e => e.Children);

    public IEnumerable<int> ColumnsUsed() => SelfAndDescendants().OfType<BoundColumn>().Select(c => c.Index);

    protected static IReadOnlyList<BoundExpr> RewriteAll(IReadOnlyList<BoundExpr> list, Func<BoundExpr, BoundExpr?> replace)
    {
        var result = new BoundExpr[list.Count];
        for (var i = 0; i < list.Count; i++) result[i] = list[i].Rewrite(replace);
        return result;
    }
}

internal sealed record BoundColumn(int Index, string Name, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb) => sb.Append(Name).Append('#').Append(Index);

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this;

    public override IEnumerable<BoundExpr> Children => [];
}

internal sealed record BoundLiteral(object? Value, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb)
    {
        switch (Value)
        {
            case null: sb.Append("NULL"); break;
            case string s: sb.Append('\'').Append(s.Replace("'", "''", StringComparison.Ordinal)).Append('\''); break;
            case bool b: sb.Append(b ? "TRUE" : "FALSE"); break;
            case DateTime t: sb.Append("TIMESTAMP '").Append(t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)).Append('\''); break;
            case TimeSpan span: sb.Append("INTERVAL '").Append(span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)).Append("' MILLISECOND"); break;
            case IFormattable f: sb.Append(f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: sb.Append(Value); break;
        }
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this;

    public override IEnumerable<BoundExpr> Children => [];
}

internal sealed record BoundNot(BoundExpr Operand, SourcePos Pos) : BoundExpr(SqlType.Boolean, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append("(NOT ");
        Operand.Print(sb);
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand];
}

internal sealed record BoundNegate(BoundExpr Operand, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append("(-");
        Operand.Print(sb);
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand];
}

/// <summary>A binary operator; <see cref="OperandType"/> is the type both operands are converted to before it applies.</summary>
internal sealed record BoundBinary(BinaryOp Op, BoundExpr Left, BoundExpr Right, SqlType OperandType, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Modulo => "%",
        BinaryOp.Equal => "=",
        BinaryOp.NotEqual => "<>",
        BinaryOp.Less => "<",
        BinaryOp.LessOrEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.And => "AND",
        BinaryOp.Or => "OR",
        _ => "||",
    };

    public override void Print(StringBuilder sb)
    {
        sb.Append('(');
        Left.Print(sb);
        sb.Append(' ').Append(Symbol(Op)).Append(' ');
        Right.Print(sb);
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Left = Left.Rewrite(replace), Right = Right.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Left, Right];
}

internal sealed record BoundIsNull(BoundExpr Operand, bool Negated, SourcePos Pos) : BoundExpr(SqlType.Boolean, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append('(');
        Operand.Print(sb);
        sb.Append(Negated ? " IS NOT NULL)" : " IS NULL)");
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand];
}

/// <summary><c>x [NOT] IN (items)</c>; <see cref="OperandType"/> is the common comparison type.</summary>
internal sealed record BoundInList(BoundExpr Operand, IReadOnlyList<BoundExpr> Items, bool Negated, SqlType OperandType, SourcePos Pos) : BoundExpr(SqlType.Boolean, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append('(');
        Operand.Print(sb);
        sb.Append(Negated ? " NOT IN (" : " IN (");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Items[i].Print(sb);
        }
        sb.Append("))");
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace), Items = RewriteAll(Items, replace) };

    public override IEnumerable<BoundExpr> Children => [Operand, .. Items];
}

internal sealed record BoundLike(BoundExpr Operand, BoundExpr Pattern, bool Negated, SourcePos Pos) : BoundExpr(SqlType.Boolean, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append('(');
        Operand.Print(sb);
        sb.Append(Negated ? " NOT LIKE " : " LIKE ");
        Pattern.Print(sb);
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace), Pattern = Pattern.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand, Pattern];
}

/// <summary>Searched CASE: the first branch whose condition is TRUE gives the value.</summary>
internal sealed record BoundCase(IReadOnlyList<BoundExpr> Conditions, IReadOnlyList<BoundExpr> Values, BoundExpr? Else, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append("CASE");
        for (var i = 0; i < Conditions.Count; i++)
        {
            sb.Append(" WHEN ");
            Conditions[i].Print(sb);
            sb.Append(" THEN ");
            Values[i].Print(sb);
        }
        if (Else is not null)
        {
            sb.Append(" ELSE ");
            Else.Print(sb);
        }
        sb.Append(" END");
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) =>
        replace(this) ?? this with { Conditions = RewriteAll(Conditions, replace), Values = RewriteAll(Values, replace), Else = Else?.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => Else is null ? [.. Conditions, .. Values] : [.. Conditions, .. Values, Else];
}

internal sealed record BoundCast(BoundExpr Operand, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append("CAST(");
        Operand.Print(sb);
        sb.Append(" AS ").Append(SqlTypes.Name(Type)).Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand];
}

internal sealed record BoundCall(ScalarFunction Function, IReadOnlyList<BoundExpr> Args, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append(Function.ToString().ToUpperInvariant()).Append('(');
        for (var i = 0; i < Args.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Args[i].Print(sb);
        }
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Args = RewriteAll(Args, replace) };

    public override IEnumerable<BoundExpr> Children => Args;
}

internal sealed record BoundJsonAccess(BoundExpr Operand, string Key, bool AsText, SourcePos Pos) : BoundExpr(AsText ? SqlType.Text : SqlType.Json, Pos)
{
    public override void Print(StringBuilder sb)
    {
        Operand.Print(sb);
        sb.Append(AsText ? "->>'" : "->'").Append(Key).Append('\'');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Operand = Operand.Rewrite(replace) };

    public override IEnumerable<BoundExpr> Children => [Operand];
}

/// <summary>Placeholder for the i-th aggregate of the enclosing SELECT while it is being bound.</summary>
internal sealed record BoundAggregateRef(int Index, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb) => sb.Append("$agg").Append(Index);

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this;

    public override IEnumerable<BoundExpr> Children => [];
}

/// <summary>Several values as one <c>object?[]</c>: the argument of an ordered aggregate, its value then its sort keys.</summary>
internal sealed record BoundTuple(IReadOnlyList<BoundExpr> Items, SourcePos Pos) : BoundExpr(SqlType.Any, Pos)
{
    public override void Print(StringBuilder sb)
    {
        sb.Append("ROW(");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Items[i].Print(sb);
        }
        sb.Append(')');
    }

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this with { Items = RewriteAll(Items, replace) };

    public override IEnumerable<BoundExpr> Children => Items;
}

/// <summary>The value of the <see cref="Index"/>-th scalar subquery of a clause, until the planner joins it in.</summary>
internal sealed record BoundScalarSubquery(int Index, SqlType Type, SourcePos Pos) : BoundExpr(Type, Pos)
{
    public override void Print(StringBuilder sb) => sb.Append("$subquery").Append(Index);

    public override BoundExpr Rewrite(Func<BoundExpr, BoundExpr?> replace) => replace(this) ?? this;

    public override IEnumerable<BoundExpr> Children => [];
}
