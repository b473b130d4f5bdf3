using System.Text.Json;

namespace Sluice.Reactive.Tests.Engine;

public sealed class SchemalessTests
{
    [Fact]
    public void Columns_of_a_schemaless_stream_are_the_names_the_query_mentions_typed_any()
    {
        var query = QueryCompiler.Compile("SELECT user_id, amount * 2 AS twice FROM raw WHERE kind = 'buy'", TestShapes.Instance);
        var input = Assert.Single(query.Inputs);
        Assert.Equal(["user_id", "amount", "kind"], input.Columns.Select(c => c.Name));
        Assert.All(input.Columns, c => Assert.Equal(ColumnType.Any, c.Type));
        Assert.Equal(ColumnType.Any, query.OutputColumns[1].Type);
    }

    [Fact]
    public void Any_values_are_resolved_at_run_time_with_the_typed_rules()
    {
        using var run = new QueryRun("SELECT user_id, amount * 2 AS twice FROM raw WHERE kind = 'buy'");
        run.Push(0, 1, ["u1", 5L, "buy"]);
        run.Push(0, 1, ["u2", 1.5m, "buy"]);
        run.Push(0, 1, ["u3", 4L, "sell"]);
        run.Push(0, 1, ["u4", JsonDocument.Parse("2.5").RootElement, "buy"]);
        run.Push(0, 1, ["u5", null, "buy"]);
        Assert.Equal(["u1|10", "u2|3.0", "u4|5.0", "u5|null"], run.Rows.Select(r => QueryRun.Render(r.Values)));
    }

    [Fact]
    public void A_run_time_type_mismatch_faults_a_strict_query()
    {
        using var run = new QueryRun("SELECT amount * 2 AS twice FROM raw", strict: true);
        run.Push(0, 1, ["abc"]);
        Assert.Contains("cannot be applied to text and bigint", run.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregates_over_any_values()
    {
        using var run = new QueryRun("SELECT kind, SUM(amount) AS total, AVG(amount) AS mean FROM raw GROUP BY kind");
        run.Push(0, 1, ["a", 1L]);
        run.Push(0, 1, ["a", 2L]);
        run.CompleteAll();
        Assert.Equal(["a|3|1.5"], run.Table());
    }
}
