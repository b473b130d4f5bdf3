using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Non-strict rows (SPEC §4) at the scope itself: each error is counted with the input event being pushed, and one
/// that no event is being pushed for (before the first, as after a restore, when completing flushes restored windows)
/// is counted without a stream or offset instead of being charged to some input.
/// </summary>
public sealed class RowErrorScopeTests
{
    private readonly QueryStats stats = new();
    private readonly RowErrorScope scope;

    public RowErrorScopeTests() => scope = new RowErrorScope(stats, ["bids", "people"]);

    [Fact]
    public void An_error_before_any_event_names_no_stream_and_no_offset()
    {
        scope.Report(new DivideByZeroException(), "SELECT list");

        var error = Assert.Single(stats.RecentRowErrors);
        Assert.Equal(new RowError("Division by zero (in SELECT list)", null, null), error);
    }

    [Fact]
    public void An_error_names_the_stream_and_offset_of_the_event_being_pushed_first_input_included()
    {
        scope.Enter(0, 41);
        scope.Report(new DivideByZeroException(), "filter");
        scope.Enter(1, 7);
        scope.Report(new OverflowException(), "filter");

        Assert.Equal([("bids", 41L), ("people", 7L)], stats.RecentRowErrors.Select(e => (e.Stream, e.Offset!.Value)));
        Assert.Equal(2, stats.RowErrors);
    }

    [Fact]
    public void A_guarded_value_or_predicate_that_throws_gives_null_or_false_and_is_counted()
    {
        scope.Enter(0, 3);
        var value = scope.Guard(new Func<object?[], object?>(_ => throw new DivideByZeroException()), "argument of SUM");
        var predicate = scope.Guard(new Func<object?[], bool>(_ => throw new InvalidCastException("no")), "filter");

        Assert.Null(value([]));
        Assert.False(predicate([]));
        Assert.Equal(["Division by zero (in argument of SUM)", "A value has an unexpected type (in filter): no"], stats.RecentRowErrors.Select(e => e.Message));
        Assert.Equal(1L, scope.Guard(new Func<object?[], object?>(_ => 1L), "fine")([]));
        Assert.True(scope.Guard(new Func<object?[], bool>(_ => true), "fine")([]));
        Assert.Equal(2, stats.RowErrors);
    }

    [Fact]
    public void Rebuilding_a_row_column_by_column_nulls_and_counts_only_the_failing_columns()
    {
        scope.Enter(1, 9);
        Func<object?[], object?>[] columns = [row => row[0], _ => throw new DivideByZeroException(), row => row[1], _ => throw new OverflowException()];

        var rebuilt = scope.EvaluateColumns(columns, ["a", 2L], "SELECT list");

        Assert.Equal(["a", null, 2L, null], rebuilt);
        Assert.Equal(2, stats.RowErrors);
        Assert.All(stats.RecentRowErrors, e => Assert.Equal(("people", 9L), (e.Stream, e.Offset!.Value)));
    }
}
