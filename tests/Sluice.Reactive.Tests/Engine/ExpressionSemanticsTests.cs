using System.Text.Json;

namespace Sluice.Reactive.Tests.Engine;

public sealed class ExpressionSemanticsTests
{
    // t: k text, v bigint, d double, m decimal, b boolean, ts timestamp, j json
    private static readonly object?[] Sample = ["Hello", 7L, 2.5, 1.25m, true, QueryRun.At(3661.5), JsonDocument.Parse("""{"a": {"b": 5}, "s": "x", "n": null}""").RootElement];

    private static readonly object?[] Nulls = [null, null, null, null, null, null, null];

    private static object? Eval(string expr, object?[]? row = null)
    {
        using var run = new QueryRun($"SELECT {expr} AS x FROM t");
        run.Push(0, 1, row ?? Sample);
        Assert.Null(run.Error);
        return Assert.Single(run.Rows).Values[0];
    }

    private static Exception EvalFails(string expr, object?[]? row = null)
    {
        using var run = new QueryRun($"SELECT {expr} AS x FROM t", strict: true);
        run.Push(0, 1, row ?? Sample);
        run.Push(0, 2, row ?? Sample);
        Assert.Empty(run.Rows);
        Assert.NotNull(run.Error);
        return run.Error!;
    }

    [Theory]
    [InlineData("v + 1", 8L)]
    [InlineData("v - 10", -3L)]
    [InlineData("v * 3", 21L)]
    [InlineData("v / 2", 3L)]
    [InlineData("v % 4", 3L)]
    [InlineData("MOD(v, 4)", 3L)]
    [InlineData("-v", -7L)]
    [InlineData("v + d", 9.5)]
    [InlineData("ABS(-v)", 7L)]
    [InlineData("FLOOR(d)", 2.0)]
    [InlineData("CEIL(d)", 3.0)]
    [InlineData("LENGTH(k)", 5L)]
    [InlineData("LOWER(k)", "hello")]
    [InlineData("UPPER(k)", "HELLO")]
    [InlineData("SUBSTRING(k, 2, 3)", "ell")]
    [InlineData("SUBSTRING(k FROM 2)", "ello")]
    [InlineData("SUBSTRING(k, 0, 2)", "H")]
    [InlineData("k || '!'", "Hello!")]
    [InlineData("k || v", "Hello7")]
    [InlineData("CONCAT(k, NULL, '-', v)", "Hello-7")]
    [InlineData("COALESCE(NULL, k)", "Hello")]
    [InlineData("CASE WHEN v > 5 THEN 'big' ELSE 'small' END", "big")]
    [InlineData("CASE v WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "seven")]
    [InlineData("CASE WHEN v > 100 THEN 'big' END", null)]
    [InlineData("CAST(v AS text)", "7")]
    [InlineData("CAST('42' AS bigint)", 42L)]
    [InlineData("CAST(d AS bigint)", 3L)]
    [InlineData("CAST(v AS double)", 7.0)]
    [InlineData("CAST('true' AS boolean)", true)]
    [InlineData("v::text", "7")]
    [InlineData("EXTRACT(HOUR FROM ts)", 1L)]
    [InlineData("EXTRACT(MINUTE FROM ts)", 1L)]
    [InlineData("EXTRACT(SECOND FROM ts)", 1L)]
    [InlineData("EXTRACT(YEAR FROM ts)", 2024L)]
    [InlineData("j->>'s'", "x")]
    [InlineData("j->'a'->>'b'", "5")]
    [InlineData("CAST(j->'a'->'b' AS bigint) + 1", 6L)]
    [InlineData("j->>'missing'", null)]
    [InlineData("k LIKE 'He%'", true)]
    [InlineData("k LIKE 'h%'", false)]
    [InlineData("k LIKE '_ell_'", true)]
    [InlineData("k NOT LIKE '%z%'", true)]
    [InlineData("v IN (1, 7, 9)", true)]
    [InlineData("v NOT IN (1, 9)", true)]
    [InlineData("v BETWEEN 7 AND 8", true)]
    [InlineData("v NOT BETWEEN 1 AND 8", false)]
    [InlineData("v IS NULL", false)]
    [InlineData("v IS NOT NULL", true)]
    [InlineData("NULLIF(v, 7)", null)]
    [InlineData("ROUND(2.345, 2)", "2.35")]
    public void Scalar_expressions_follow_sql_semantics(string expr, object? expected)
    {
        var actual = Eval(expr);
        if (expected is string s && actual is decimal m) Assert.Equal(decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture), m);
        else Assert.Equal(expected, actual);
    }

    [Fact]
    public void Decimal_arithmetic_is_exact()
    {
        Assert.Equal(1.375m, Eval("m * 1.1"));
        Assert.Equal(8.25m, Eval("m + v"));
    }

    [Theory]
    [InlineData("v + 1")]
    [InlineData("k || 'x'")]
    [InlineData("UPPER(k)")]
    [InlineData("v = 1")]
    [InlineData("NOT b")]
    [InlineData("ABS(d)")]
    [InlineData("j->'a'")]
    [InlineData("CAST(k AS bigint)")]
    [InlineData("EXTRACT(YEAR FROM ts)")]
    [InlineData("v IN (1, 2)")]
    [InlineData("k LIKE '%'")]
    public void Null_propagates_through_operators_and_functions(string expr)
    {
        Assert.Null(Eval(expr, Nulls));
    }

    [Theory]
    [InlineData("NULL AND FALSE", false)]
    [InlineData("NULL AND TRUE", null)]
    [InlineData("NULL OR TRUE", true)]
    [InlineData("NULL OR FALSE", null)]
    [InlineData("NOT (v = NULL)", null)]
    [InlineData("v IN (1, NULL)", null)]
    [InlineData("v IN (7, NULL)", true)]
    [InlineData("COALESCE(NULL, NULL, 3)", 3L)]
    public void Three_valued_logic(string expr, object? expected)
    {
        Assert.Equal(expected, Eval(expr));
    }

    [Fact]
    public void Where_keeps_only_rows_whose_condition_is_true_not_null()
    {
        using var run = new QueryRun("SELECT k FROM t WHERE v > 1");
        run.Push(0, 1, ["a", 5L, null, null, null, null, null]);
        run.Push(0, 1, ["b", null, null, null, null, null, null]);
        run.Push(0, 1, ["c", 0L, null, null, null, null, null]);
        Assert.Equal(["a"], run.Rows.Select(r => r.Values[0]));
    }

    [Fact]
    public void And_short_circuits_so_a_guarded_division_does_not_fail()
    {
        using var run = new QueryRun("SELECT k FROM t WHERE v <> 0 AND 10 / v > 1");
        run.Push(0, 1, ["zero", 0L, null, null, null, null, null]);
        run.Push(0, 1, ["two", 2L, null, null, null, null, null]);
        Assert.Null(run.Error);
        Assert.Equal(["two"], run.Rows.Select(r => r.Values[0]));
    }

    [Theory]
    [InlineData("v / 0", "Division by zero")]
    [InlineData("d / 0", "Division by zero")]
    [InlineData("v * 9223372036854775807", "Numeric overflow")]
    [InlineData("CAST(k AS bigint)", "Cannot cast 'Hello' to bigint")]
    [InlineData("CAST(k AS timestamp)", "Cannot cast 'Hello' to timestamp")]
    public void Run_time_errors_end_the_output_with_a_clear_error(string expr, string message)
    {
        var error = EvalFails(expr);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TO_CHAR(ts, 'YYYY-MM-DD')", "2024-01-01")]
    [InlineData("TO_CHAR(ts, 'YYYY-MM-DD HH24:MI:SS')", "2024-01-01 01:01:01")]
    [InlineData("TO_CHAR(ts, 'HH12:MI AM \"on\" Dy, Mon FMDD')", "01:01 AM on Mon, Jan 1")]
    [InlineData("TO_CHAR(ts, 'Month|Day|MS')", "January  |Monday   |500")]
    [InlineData("SPLIT_PART('a/b/c', '/', 2)", "b")]
    [InlineData("SPLIT_PART('a/b/c', '/', -1)", "c")]
    [InlineData("SPLIT_PART('a/b/c', '/', 9)", "")]
    [InlineData("REGEXP_MATCH('https://x/y?channel_id=7&z=1', '(&|\\?)channel_id=([^&]*)')[2]", "7")]
    [InlineData("REGEXP_MATCH('abc', 'b')[1]", "b")]
    [InlineData("REGEXP_MATCH('abc', 'z')[1]", null)]
    [InlineData("REGEXP_MATCH('abc', '(a)(b)')[3]", null)]
    [InlineData("REGEXP_REPLACE('a-b-c', '-', '+')", "a+b-c")]
    [InlineData("REGEXP_REPLACE('a-b-c', '-', '+', 'g')", "a+b+c")]
    [InlineData("REGEXP_REPLACE('John Smith', '(\\w+) (\\w+)', '\\2, \\1 $')", "Smith, John $")]
    [InlineData("STRPOS('high', 'ig')", 2L)]
    [InlineData("STRPOS('high', 'z')", 0L)]
    [InlineData("TRIM('  x  ')", "x")]
    [InlineData("TRIM(BOTH 'x' FROM 'xxaxx')", "a")]
    [InlineData("TRIM(LEADING FROM '  a ')", "a ")]
    [InlineData("TRIM(TRAILING 'x' FROM 'xax')", "xa")]
    [InlineData("LTRIM('xxa', 'x')", "a")]
    public void Text_and_regular_expression_functions(string expr, object? expected) => Assert.Equal(expected, Eval(expr));

    [Fact]
    public void A_hostile_pattern_cannot_stall_a_query()
    {
        // Catastrophic backtracking on a backtracking engine; the non-backtracking one answers in linear time.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(Eval($"REGEXP_MATCH('{new string('a', 5000)}!', '^(a+)+$')[1]"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Fact]
    public void An_array_is_not_a_result_column()
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile("SELECT REGEXP_MATCH(k, 'a') AS m FROM t", TestShapes.Instance));
        Assert.Contains("take one element with a subscript", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_arithmetic_and_truncation()
    {
        Assert.Equal(QueryRun.At(3671.5), Eval("ts + INTERVAL '10' SECOND"));
        Assert.Equal(QueryRun.At(3660), Eval("DATE_TRUNC('minute', ts)"));
        Assert.Equal(QueryRun.At(3600), Eval("DATE_TRUNC('hour', ts)"));
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), Eval("DATE_TRUNC('month', ts)"));
        Assert.Equal(true, Eval("ts > TIMESTAMP '2024-01-01 00:00:00'"));
        Assert.Equal(true, Eval("ts < '2024-01-02'"));
    }

    [Fact]
    public void Output_types_follow_the_typing_rules()
    {
        var query = QueryCompiler.Compile("SELECT v + v AS a, v * 0.5 AS b, v * d AS c, k || v AS e, v > 1 AS f, ts AS g, j->'a' AS h, COUNT(*) AS i FROM t GROUP BY v, d, k, ts, j", TestShapes.Instance);
        Assert.Equal([ColumnType.Bigint, ColumnType.Decimal, ColumnType.Double, ColumnType.Text, ColumnType.Boolean, ColumnType.Timestamp, ColumnType.Json, ColumnType.Bigint],
            query.OutputColumns.Select(c => c.Type));
    }
}
