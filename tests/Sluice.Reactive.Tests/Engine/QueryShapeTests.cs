namespace Sluice.Reactive.Tests.Engine;

public sealed class QueryShapeTests
{
    private static object?[] U(string? k, long? w, double seconds) => [k, w, QueryRun.At(seconds)];

    [Fact]
    public void Select_star_expands_to_every_column_of_every_source()
    {
        var query = QueryCompiler.Compile("SELECT * FROM u", TestShapes.Instance);
        Assert.Equal(["k", "w", "ts"], query.OutputColumns.Select(c => c.Name));
        var qualified = QueryCompiler.Compile("SELECT b.*, a.w FROM u a JOIN u b ON a.k = b.k", TestShapes.Instance);
        Assert.Equal(["k", "w", "ts", "w_2"], qualified.OutputColumns.Select(c => c.Name));
    }

    [Fact]
    public void Group_by_an_expression_allows_selecting_that_expression()
    {
        using var run = new QueryRun("SELECT w % 2 AS parity, COUNT(*) AS n FROM u GROUP BY w % 2 HAVING MAX(w) > 1");
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("a", 2, 2)).Push(0, 3, U("a", 3, 3));
        Assert.Equal(["0|1", "1|2"], run.Table());
    }

    [Fact]
    public void Window_columns_are_qualified_by_the_window_alias()
    {
        using var run = new QueryRun("SELECT w1.k, COUNT(*) AS n, w1.window_end FROM TUMBLE(u, ts, INTERVAL '1' MINUTE) AS w1 GROUP BY w1.k, w1.window_end");
        run.Push(0, 1, U("a", 1, 1));
        run.CompleteAll();
        Assert.Equal(["+a|1|00:01:00.000"], run.Rendered());
    }

    [Fact]
    public void A_join_without_equality_conditions_compares_every_pair()
    {
        using var run = new QueryRun("SELECT a.k, b.k AS other FROM u a JOIN u b ON a.w < b.w");
        run.Push(0, 1, U("x", 1, 1)).Push(1, 1, U("y", 2, 1)).Push(1, 1, U("z", 0, 1));
        Assert.Equal(["+x|y"], run.Rendered());
    }

    [Fact]
    public void Distinct_subquery_can_be_joined()
    {
        using var run = new QueryRun("SELECT d.k FROM (SELECT DISTINCT k FROM u) d JOIN t ON d.k = t.k");
        run.Push(0, 1, U("a", 1, 1)).Push(0, 1, U("a", 2, 1)).Push(1, 1, ["a", 1L, null, null, null, QueryRun.At(1), null]);
        Assert.Equal(["+a"], run.Rendered());
    }

    [Fact]
    public void In_list_with_mixed_numeric_types_compares_as_decimal()
    {
        using var run = new QueryRun("SELECT k FROM u WHERE w IN (1, 2.5, NULL) OR w = 3");
        run.Push(0, 1, U("one", 1, 1)).Push(0, 1, U("two", 2, 1)).Push(0, 1, U("three", 3, 1));
        Assert.Equal(["+one", "+three"], run.Rendered());
    }

    [Fact]
    public void Null_only_select_items_are_typed_any()
    {
        var query = QueryCompiler.Compile("SELECT NULL AS nothing, k FROM u", TestShapes.Instance);
        Assert.Equal(ColumnType.Any, query.OutputColumns[0].Type);
    }

    [Fact]
    public void The_plan_is_printed_as_a_tree()
    {
        var query = QueryCompiler.Compile("SELECT k, COUNT(*) AS n FROM u WHERE w > 0 GROUP BY k", TestShapes.Instance);
        Assert.Equal(
            """
            Project [k#0 AS k, count#1 AS n] [changelog]
              GroupAggregate keys [k#0] aggregates [COUNT(*)] [changelog]
                Filter (w#1 > 0)
                  Scan u (input 0, watermark delay 0s) [k text, w bigint, ts timestamp]

            """.ReplaceLineEndings("\n"),
            query.Plan);
    }

    [Fact]
    public void The_same_stream_twice_is_two_inputs()
    {
        var query = QueryCompiler.Compile("SELECT a.k FROM u a JOIN u b ON a.k = b.k", TestShapes.Instance);
        Assert.Equal(["u", "u"], query.Inputs.Select(i => i.Stream));
        Assert.Equal(["k", "w", "ts"], query.Inputs[0].Columns.Select(c => c.Name));
    }

    [Fact]
    public void Build_rejects_the_wrong_number_of_inputs()
    {
        var query = QueryCompiler.Compile("SELECT k FROM u", TestShapes.Instance);
        Assert.Throws<ArgumentException>(() => query.Build([], new QueryStats()));
    }
}
