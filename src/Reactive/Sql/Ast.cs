namespace Sluice.Reactive.Sql;

// The parsed query: immutable, every node carries the position it starts at.

internal abstract record Expr(SourcePos Pos);

internal enum LiteralKind { Null, Boolean, Integer, Decimal, Float, String, Interval, Timestamp }

/// <summary>A literal. Interval values are <see cref="TimeSpan"/> (or a month count for MONTH/YEAR), timestamps <see cref="DateTime"/>.</summary>
internal sealed record LiteralExpr(LiteralKind Kind, object? Value, SourcePos Pos) : Expr(Pos);

internal sealed record ColumnExpr(string? Qualifier, string Name, SourcePos Pos) : Expr(Pos)
{
    public override string ToString() => Qualifier is null ? Name : $"{Qualifier}.{Name}";
}

internal sealed record StarExpr(string? Qualifier, SourcePos Pos) : Expr(Pos);

internal sealed record UnaryExpr(string Op, Expr Operand, SourcePos Pos) : Expr(Pos);

internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, SourcePos Pos) : Expr(Pos);

internal sealed record IsNullExpr(Expr Operand, bool Negated, SourcePos Pos) : Expr(Pos);

internal sealed record InListExpr(Expr Operand, IReadOnlyList<Expr> Items, bool Negated, SourcePos Pos) : Expr(Pos);

internal sealed record BetweenExpr(Expr Operand, Expr Low, Expr High, bool Negated, SourcePos Pos) : Expr(Pos);

internal sealed record LikeExpr(Expr Operand, Expr Pattern, bool Negated, SourcePos Pos) : Expr(Pos);

internal sealed record CaseExpr(Expr? Operand, IReadOnlyList<(Expr When, Expr Then)> Branches, Expr? Else, SourcePos Pos) : Expr(Pos);

internal sealed record CastExpr(Expr Operand, string TypeName, SourcePos TypePos, SourcePos Pos) : Expr(Pos);

/// <summary>A function or aggregate call; <see cref="Name"/> may be dotted (then it is never a known function).</summary>
internal sealed record CallExpr(string Name, IReadOnlyList<Expr> Args, bool Distinct, bool Star, SourcePos Pos) : Expr(Pos)
{
    /// <summary>An aggregate's <c>FILTER (WHERE …)</c>.</summary>
    public Expr? Filter { get; init; }

    /// <summary><c>ORDER BY</c> inside an aggregate call (<c>STRING_AGG(x, ',' ORDER BY y)</c>).</summary>
    public IReadOnlyList<OrderItem> OrderBy { get; init; } = [];

    /// <summary>A window function's <c>OVER (…)</c>.</summary>
    public OverClause? Over { get; init; }
}

internal sealed record OrderItem(Expr Expr, bool Descending, SourcePos Pos);

/// <summary><c>OVER (PARTITION BY … ORDER BY …)</c>.</summary>
internal sealed record OverClause(IReadOnlyList<Expr> PartitionBy, IReadOnlyList<OrderItem> OrderBy, SourcePos Pos);

/// <summary><c>array[n]</c>: 1-based, NULL when out of range (PostgreSQL).</summary>
internal sealed record SubscriptExpr(Expr Operand, Expr Index, SourcePos Pos) : Expr(Pos);

/// <summary>A scalar subquery: <c>(SELECT …)</c> used as a value.</summary>
internal sealed record SubqueryExpr(SelectQuery Query, SourcePos Pos) : Expr(Pos);

internal sealed record JsonAccessExpr(Expr Operand, string Key, bool AsText, SourcePos Pos) : Expr(Pos);

internal sealed record SelectItem(Expr Expr, string? Alias, SourcePos Pos);

internal sealed record SelectQuery(
    bool Distinct,
    IReadOnlyList<SelectItem> Items,
    Source From,
    Expr? Where,
    IReadOnlyList<Expr> GroupBy,
    Expr? Having,
    SourcePos Pos)
{
    /// <summary>Further queries combined with this one by <c>UNION ALL</c>.</summary>
    public IReadOnlyList<SelectQuery> UnionAll { get; init; } = [];

    /// <summary><c>ORDER BY</c> of the whole query (a top-N with <see cref="Limit"/>).</summary>
    public IReadOnlyList<OrderItem> OrderBy { get; init; } = [];

    public long? Limit { get; init; }

    public SourcePos LimitPos { get; init; }

    /// <summary><c>SELECT DISTINCT ON (…)</c>: the expressions, or empty.</summary>
    public IReadOnlyList<Expr> DistinctOn { get; init; } = [];
}

internal abstract record Source(SourcePos Pos);

internal sealed record StreamSource(string Name, string? Alias, SourcePos Pos) : Source(Pos);

internal enum WindowKind { Tumble, Hop, Session }

internal sealed record WindowSource(WindowKind Kind, string Stream, SourcePos StreamPos, ColumnExpr TimeColumn, IReadOnlyList<Expr> Intervals, string? Alias, SourcePos Pos) : Source(Pos)
{
    /// <summary><c>TUMBLE((SELECT …), time_col, …)</c>: the windowed rows come from this subquery instead of <see cref="Stream"/>.</summary>
    public SelectQuery? Subquery { get; init; }
}

internal enum JoinKind { Inner, Left, Cross, Right, Full }

/// <summary>A join; <see cref="Natural"/> joins on the columns both sides have (ON is then null).</summary>
internal sealed record JoinSource(Source Left, Source Right, JoinKind Kind, Expr? On, SourcePos Pos) : Source(Pos)
{
    public bool Natural { get; init; }
}

/// <summary>A subquery in FROM; <see cref="Alias"/> is null when the text gives none (PostgreSQL 16 and RisingWave allow that).</summary>
internal sealed record SubquerySource(SelectQuery Query, string? Alias, SourcePos Pos) : Source(Pos);
