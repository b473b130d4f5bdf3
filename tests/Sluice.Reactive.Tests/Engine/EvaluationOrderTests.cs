namespace Sluice.Reactive.Tests.Engine;

/// <summary>
/// AND and OR evaluate their cheapest operands first (docs/query-language.md, "Evaluation order"): the result is the
/// three-valued one whatever the order, and an operand the others already decided is not evaluated, so its error is
/// not counted.
/// </summary>
public sealed class EvaluationOrderTests
{
    private static object?[] T(string? k, long? v, bool? b) => [k, v, null, null, b, QueryRun.At(1), null];

    [Fact]
    public void An_or_whose_cheap_operand_is_true_passes_the_row_without_evaluating_the_costly_one()
    {
        using var run = new QueryRun("SELECT k FROM t WHERE CAST(k AS bigint) > 1 OR v = 7");
        run.Push(0, 1, T("two", 7, null)).Push(0, 2, T("three", 1, null)).Push(0, 3, T("5", 1, null));

        Assert.Null(run.Error);
        Assert.Equal(["two", "5"], run.Rows.Select(r => r.Values[0]));
        Assert.Equal(1, run.Stats.RowErrors); // only 'three': v = 7 decided 'two'
    }

    [Fact]
    public void An_and_whose_cheap_operand_is_false_drops_the_row_without_evaluating_the_costly_one()
    {
        // Strict errors: a CAST that fails would end the query, so the row 'two' shows it was not evaluated.
        using var run = new QueryRun("SELECT k FROM t WHERE CAST(k AS bigint) > 1 AND v = 7", strict: true);
        run.Push(0, 1, T("5", 7, null)).Push(0, 2, T("two", 1, null)).Push(0, 3, T("9", 7, null));

        Assert.Null(run.Error);
        Assert.Equal(["5", "9"], run.Rows.Select(r => r.Values[0]));
    }

    [Fact]
    public void An_operand_that_can_fail_stays_behind_the_guard_written_before_it()
    {
        // The CAST is cheaper than the regex, but it can fail, so it does not move ahead of its guard.
        using var run = new QueryRun("SELECT k FROM t WHERE REGEXP_MATCH(k, '^[0-9]+$')[1] IS NOT NULL AND CAST(k AS bigint) > 5", strict: true);
        run.Push(0, 1, T("x", 1, null)).Push(0, 2, T("9", 1, null)).Push(0, 3, T("3", 1, null));

        Assert.Null(run.Error);
        Assert.Equal(["9"], run.Rows.Select(r => r.Values[0]));
    }

    [Fact]
    public void Reordered_and_or_chains_give_the_three_valued_results_on_every_combination()
    {
        // x: a costly operand (a regex), y and z cheap ones; each TRUE, FALSE or NULL.
        using var run = new QueryRun("""
            SELECT REGEXP_MATCH(k, '^(t)$')[1] IS NOT NULL OR (v = 1 OR b) AS o,
                   (REGEXP_MATCH(k, '^(t)$')[1] = 't' AND v = 1) AND b AS a
            FROM t
            """);
        string?[] ks = ["t", "f", null];
        long?[] vs = [1, 0, null];
        bool?[] bs = [true, false, null];
        var expected = new List<string>();
        foreach (var k in ks)
        {
            foreach (var v in vs)
            {
                foreach (var b in bs)
                {
                    run.Push(0, 1, T(k, v, b));
                    bool? xIsNotNull = k == "t";
                    bool? x = k == "t" ? true : null; // no match is NULL, not FALSE
                    bool? y = v is null ? null : v == 1;
                    expected.Add($"{Render(Or(xIsNotNull, Or(y, b)))}|{Render(And(And(x, y), b))}");
                }
            }
        }

        Assert.Null(run.Error);
        Assert.Equal(expected, run.Rows.Select(r => QueryRun.Render(r.Values)));
    }

    private static bool? Or(bool? l, bool? r) => l == true || r == true ? true : l is null || r is null ? null : false;

    private static bool? And(bool? l, bool? r) => l == false || r == false ? false : l is null || r is null ? null : true;

    private static string Render(bool? value) => value is null ? "null" : value.Value.ToString();
}
