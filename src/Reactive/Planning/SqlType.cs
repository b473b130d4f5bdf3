namespace Sluice.Reactive.Planning;

/// <summary>Types the binder reasons with: the column types plus INTERVAL and the type of a bare NULL.</summary>
internal enum SqlType
{
    Bigint,
    Double,
    Decimal,
    Text,
    Boolean,
    Timestamp,
    Json,
    Any,
    Interval,
    Null,

    /// <summary>text[]: what REGEXP_MATCH returns; read with a subscript, never a result column.</summary>
    TextArray,
}

internal static class SqlTypes
{
    public static SqlType From(ColumnType type) => type switch
    {
        ColumnType.Bigint => SqlType.Bigint,
        ColumnType.Double => SqlType.Double,
        ColumnType.Decimal => SqlType.Decimal,
        ColumnType.Text => SqlType.Text,
        ColumnType.Boolean => SqlType.Boolean,
        ColumnType.Timestamp => SqlType.Timestamp,
        ColumnType.Json => SqlType.Json,
        _ => SqlType.Any,
    };

    public static ColumnType ToColumnType(SqlType type) => type switch
    {
        SqlType.Bigint => ColumnType.Bigint,
        SqlType.Double => ColumnType.Double,
        SqlType.Decimal => ColumnType.Decimal,
        SqlType.Text => ColumnType.Text,
        SqlType.Boolean => ColumnType.Boolean,
        SqlType.Timestamp => ColumnType.Timestamp,
        SqlType.Json => ColumnType.Json,
        _ => ColumnType.Any,
    };

    public static bool IsNumeric(SqlType type) => type is SqlType.Bigint or SqlType.Double or SqlType.Decimal;

    public static string Name(SqlType type) => type == SqlType.TextArray ? "text[]" : type.ToString().ToLowerInvariant();

    /// <summary>The common numeric type of two numeric operands: double wins, then decimal, then bigint.</summary>
    public static SqlType PromoteNumeric(SqlType a, SqlType b)
    {
        if (a == SqlType.Double || b == SqlType.Double) return SqlType.Double;
        if (a == SqlType.Decimal || b == SqlType.Decimal) return SqlType.Decimal;
        return SqlType.Bigint;
    }

    public static SqlType? ParseTypeName(string name) => name switch
    {
        "bigint" or "int" or "integer" or "int8" or "int4" or "smallint" or "long" => SqlType.Bigint,
        "double" or "float" or "float8" or "real" or "float4" => SqlType.Double,
        "decimal" or "numeric" => SqlType.Decimal,
        "text" or "varchar" or "string" or "char" or "character" => SqlType.Text,
        "boolean" or "bool" => SqlType.Boolean,
        "timestamp" or "timestamptz" => SqlType.Timestamp,
        "json" or "jsonb" => SqlType.Json,
        _ => null,
    };
}
