using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// <see cref="AggregateGroup.Identical"/>: whether a group's last emitted row is its result exactly, so that a checkpoint
/// may store a marker for it and a restore rebuild it. Equal is not enough: 1.0 and 1.00, 0.0 and -0.0, or a timestamp
/// of two kinds are equal but print differently. The operator asks only about rows it already found equal; the other
/// cases pin the method's own contract.
/// </summary>
public sealed class IdenticalRowsTests
{
    [Fact]
    public void Doubles_are_identical_only_with_the_same_bits()
    {
        Assert.True(AggregateGroup.Identical([1.5], [1.5]));
        Assert.True(AggregateGroup.Identical([double.NaN], [double.NaN]));
        Assert.False(AggregateGroup.Identical([0.0], [-0.0]));
        Assert.False(AggregateGroup.Identical([1.5], [2.5]));
    }

    [Fact]
    public void Timestamps_are_identical_only_with_the_same_ticks_and_kind()
    {
        var utc = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
        Assert.True(AggregateGroup.Identical([utc], [new DateTime(utc.Ticks, DateTimeKind.Utc)]));
        Assert.False(AggregateGroup.Identical([utc], [new DateTime(utc.Ticks, DateTimeKind.Unspecified)]));
        Assert.False(AggregateGroup.Identical([utc], [utc.AddTicks(1)]));
    }

    [Fact]
    public void Decimals_are_identical_only_with_the_same_scale()
    {
        Assert.True(AggregateGroup.Identical([1.0m], [1.0m]));
        Assert.False(AggregateGroup.Identical([1.0m], [1.00m]));
    }

    [Fact]
    public void Other_values_are_identical_when_of_the_same_type_and_equal()
    {
        Assert.True(AggregateGroup.Identical(["a", 7L, null, true], ["a", 7L, null, true]));
        Assert.False(AggregateGroup.Identical([7L], [8L]));
        Assert.False(AggregateGroup.Identical([7L], [7]));
        Assert.False(AggregateGroup.Identical([null], [7L]));
        Assert.False(AggregateGroup.Identical([7L], [null]));
        Assert.False(AggregateGroup.Identical(["a"], ["b"]));
    }

    [Fact]
    public void Rows_of_different_widths_are_not_identical()
    {
        Assert.False(AggregateGroup.Identical([7L], [7L, 8L]));
        Assert.False(AggregateGroup.Identical([7L, 8L], [7L]));
    }

    [Fact]
    public void Value_tuples_of_ordered_aggregates_are_never_taken_as_identical()
    {
        object?[] tuple = [1L];
        object?[] sameTuple = [1L];
        Assert.False(AggregateGroup.Identical([tuple], [sameTuple]));
        string?[] values = ["a", null];
        string?[] sameValues = ["a", null];
        string?[] otherValues = ["a", "b"];
        Assert.True(AggregateGroup.Identical([values], [sameValues]));
        Assert.False(AggregateGroup.Identical([values], [otherValues]));
    }
}
