namespace Sluice.Reactive.Tests.Engine;

public sealed class CompileErrorTests
{
    private static QueryException Fails(string sql) => Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));

    [Theory]
    [InlineData("SELECT auction FROM", 1, 20, "expected a stream name")]
    [InlineData("SELECT auction,\n  price\nFROM bid WHERE", 3, 15, "expected an expression")]
    [InlineData("SELECT auction FROM bid WHERE price >", 1, 38, "expected an expression")]
    [InlineData("SELECT (auction FROM bid", 1, 17, "expected ')'")]
    [InlineData("SELECT COUNT(* AS n FROM bid", 1, 16, "expected ')' to close COUNT( at line 1, column 8 but found")]
    [InlineData("SELECT auction,\n  MAX(price AS top\nFROM bid GROUP BY auction", 2, 13, "expected ')' to close MAX( at line 2, column 3")]
    [InlineData("SELECT auction FROM bid extra junk", 1, 31, "expected end of query")]
    [InlineData("SELECT 'open string FROM bid", 1, 8, "unterminated string")]
    [InlineData("SELECT auction FROM bid /* never closed", 1, 25, "unterminated /* comment")]
    [InlineData("SELECT auction # 2 FROM bid", 1, 16, "unexpected character '#'")]
    [InlineData("SELECT auction FROM bid LIMIT 3", 1, 25, "LIMIT on a continuous query needs ORDER BY")]
    public void Syntax_errors_say_what_was_expected_and_where(string sql, int line, int column, string message)
    {
        var error = Fails(sql);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("SELECT x FROM nowhere", 1, 15, "Unknown stream 'nowhere'")]
    [InlineData("SELECT nope FROM bid", 1, 8, "Unknown column 'nope'")]
    [InlineData("SELECT z.auction FROM bid", 1, 8, "Unknown stream or alias 'z'")]
    [InlineData("SELECT date_time FROM bid, auction", 1, 8, "ambiguous")]
    [InlineData("SELECT frobnicate(price) FROM bid", 1, 8, "Unknown function 'frobnicate'")]
    [InlineData("SELECT System.IO.File.ReadAllText('/etc/passwd') FROM bid", 1, 8, "Unknown function 'system.io.file.readalltext'")]
    [InlineData("SELECT price.GetType() FROM bid", 1, 8, "Unknown function 'price.gettype'")]
    [InlineData("SELECT auction FROM bid WHERE COUNT(*) > 1", 1, 31, "not allowed in WHERE")]
    [InlineData("SELECT auction, price FROM bid GROUP BY auction", 1, 17, "must appear in GROUP BY")]
    [InlineData("SELECT MAX(COUNT(*)) FROM bid", 1, 12, "cannot be nested")]
    [InlineData("SELECT price + channel FROM bid", 1, 14, "Operator + cannot be applied to bigint and text")]
    [InlineData("SELECT auction FROM bid WHERE price", 1, 31, "WHERE needs a boolean condition")]
    [InlineData("SELECT auction FROM bid WHERE channel = 3", 1, 39, "Cannot compare text with bigint")]
    [InlineData("SELECT UPPER(price) FROM bid", 1, 14, "needs a text argument")]
    [InlineData("SELECT CAST(price AS money) FROM bid", 1, 22, "Unknown type 'money'")]
    [InlineData("SELECT SUM(channel) FROM bid", 1, 12, "SUM needs a numeric argument")]
    [InlineData("SELECT window_start FROM TUMBLE(bid, channel, INTERVAL '1' SECOND)", 1, 38, "must be a timestamp")]
    [InlineData("SELECT window_start FROM TUMBLE(bid, date_time, 5)", 1, 49, "interval literals")]
    public void Name_and_type_errors_point_at_the_offending_text(string sql, int line, int column, string message)
    {
        var error = Fails(sql);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Text_longer_than_the_limit_is_refused_before_parsing()
    {
        var sql = "SELECT auction FROM bid WHERE " + new string(' ', QueryCompiler.MaxSqlLength) + "TRUE";
        Assert.Contains("limit", Fails(sql).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hundred_thousand_nested_parentheses_are_an_error_not_a_stack_overflow()
    {
        // The whole text is over the length limit, so the parser is driven directly as well.
        var text = new string('(', 100_000) + "1" + new string(')', 100_000);
        var error = Assert.Throws<QueryException>(() => Sluice.Reactive.Sql.Parser.ParseStandaloneExpression(text));
        Assert.Contains("nested too deeply", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);

        var sql = "SELECT " + new string('(', 49_000) + "1" + new string(')', 49_000) + " FROM bid";
        Assert.Contains("nested too deeply", Fails(sql).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_of_not_and_unary_minus_is_bounded_too()
    {
        Assert.Contains("nested too deeply", Fails("SELECT auction FROM bid WHERE " + string.Concat(Enumerable.Repeat("NOT ", 20_000)) + "TRUE").Message, StringComparison.Ordinal);
        Assert.Contains("nested too deeply", Fails("SELECT " + string.Concat(Enumerable.Repeat("- ", 20_000)) + "price FROM bid").Message, StringComparison.Ordinal);
        Assert.Contains("nested too deeply", Fails("SELECT extra" + string.Concat(Enumerable.Repeat("::text", 5_000)) + " FROM bid").Message, StringComparison.Ordinal);
        Assert.Contains("nested too deeply", Fails("SELECT CASE" + string.Concat(Enumerable.Repeat(" WHEN price = 1 THEN 1", 1_000)) + " END FROM bid").Message, StringComparison.Ordinal);
        Assert.Contains("nested too deeply", Fails("SELECT COALESCE(" + string.Join(", ", Enumerable.Repeat("price", 5_000)) + ") FROM bid").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_operator_chains_count_as_nesting()
    {
        var sql = "SELECT " + string.Join(" + ", Enumerable.Repeat("price", 5000)) + " FROM bid";
        Assert.Contains("nested too deeply", Fails(sql).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_subqueries_are_an_error()
    {
        var sql = "SELECT auction FROM bid";
        for (var i = 0; i < 300; i++) sql = $"SELECT auction FROM ({sql}) q{i}";
        Assert.Contains("nested too deeply", Fails(sql).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_text_is_an_error()
    {
        Assert.Contains("empty", Fails("  -- nothing\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keywords_and_identifiers_are_case_insensitive_and_comments_and_semicolon_are_ignored()
    {
        var query = QueryCompiler.Compile("select AUCTION, Price -- the price\n from BID b /* alias */ where B.price > 1;", TestShapes.Instance);
        Assert.Equal(["auction", "price"], query.OutputColumns.Select(c => c.Name));
    }
}

public sealed class NestingLimitTests
{
    [Theory]
    [InlineData("add")]
    [InlineData("not")]
    public void The_deepest_accepted_expression_compiles_and_runs_on_a_small_stack(string shape)
    {
        // Just under the bound: nested additions in parentheses, or a chain of NOTs.
        var depth = shape == "add" ? (Sluice.Reactive.Sql.Parser.MaxDepth / 3) - 5 : Sluice.Reactive.Sql.Parser.MaxDepth - 6;
        var expr = shape == "add" ? "w" : "w > 0";
        for (var i = 0; i < depth; i++) expr = shape == "add" ? $"(1 + {expr})" : $"NOT {expr}";
        Exception? failure = null;
        object? result = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var run = new QueryRun($"SELECT {expr} AS x FROM u");
                run.Push(0, 1, ["a", 1L, QueryRun.At(1)]);
                result = run.Rows.Single().Values[0];
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 512 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal(shape == "add" ? 1L + depth : depth % 2 == 0, result);
    }
}
