using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// STRING_AGG, FIRST_VALUE and LAST_VALUE's accumulator driven directly with <c>[value, sort key]</c> tuples: order by
/// the key (NULL keys last ascending, first descending), then by arrival; retractions take out one copy of the value
/// among the rows with an equal key; a restored accumulator's later rows still arrive after its restored ones.
/// </summary>
public sealed class OrderedAccumulatorTests
{
    private static OrderedAccumulator StringAgg(bool descending = false) => new(OrderedAggregate.StringAgg, [descending], ",");

    private static object?[] Row(object? value, object? key) => [value, key];

    private static OrderedAccumulator With(OrderedAccumulator accumulator, params object?[][] rows)
    {
        foreach (var row in rows) accumulator.Add(row);
        return accumulator;
    }

    private static object?[][] Mixed() => [Row("b", 2L), Row("a", 1L), Row("d", null), Row(null, 0L), Row("c", 2L)];

    [Fact]
    public void String_agg_orders_by_key_with_nulls_last_then_by_arrival_and_skips_null_values()
    {
        Assert.Equal("a,b,c,d", With(StringAgg(), Mixed()).Result());
    }

    [Fact]
    public void Descending_string_agg_puts_null_keys_first_and_keeps_arrival_order_among_equal_keys()
    {
        Assert.Equal("d,b,c,a", With(StringAgg(descending: true), Mixed()).Result());
    }

    [Fact]
    public void First_and_last_value_return_a_null_value_of_the_first_or_last_row()
    {
        var first = With(new OrderedAccumulator(OrderedAggregate.FirstValue, [false], ""), Row(null, 1L), Row("x", 2L));
        var last = With(new OrderedAccumulator(OrderedAggregate.LastValue, [false], ""), Row("x", 1L), Row(null, 2L));
        Assert.Null(first.Result());
        Assert.Null(last.Result());
        first.Retract(Row(null, 1L));
        last.Retract(Row(null, 2L));
        Assert.Equal("x", first.Result());
        Assert.Equal("x", last.Result());
        first.Retract(Row("x", 2L));
        Assert.Null(first.Result());
        first.Add("not a tuple");
        Assert.Null(first.Result());
    }

    [Fact]
    public void A_retraction_takes_out_one_copy_of_its_value_among_the_rows_with_its_key()
    {
        var agg = With(StringAgg(), Row("a", 1L), Row("b", 1L), Row("b", 1L), Row("b", 1L), Row("c", 1L), Row("a", 2L));
        agg.Retract(Row("b", 1L));
        Assert.Equal("a,b,b,c,a", agg.Result());
        agg.Retract(Row("c", 1L));
        Assert.Equal("a,b,b,a", agg.Result());
        agg.Retract(Row("z", 1L)); // no such value with this key
        agg.Retract(Row("c", 1L)); // no copy left
        agg.Retract(Row("b", 2L)); // the value exists, not with this key
        agg.Retract("not a tuple");
        Assert.Equal("a,b,b,a", agg.Result());
        agg.Retract(Row("a", 2L));
        Assert.Equal("a,b,b", agg.Result());
    }

    [Fact]
    public void Merging_interleaves_both_sides_by_key()
    {
        var merged = With(StringAgg(), Row("a", 1L), Row("c", 3L));
        merged.Merge(With(StringAgg(), Row("b", 2L), Row("z", 0L)));
        Assert.Equal("z,a,b,c", merged.Result());
        Assert.False(merged.Subtractable);
        Assert.Null(StringAgg().Result());
    }

    [Fact]
    public void Rows_added_after_a_restore_arrive_after_the_restored_rows_even_when_those_came_from_a_later_process()
    {
        // A checkpoint from a process that had counted far more arrivals than this one: its row "x" arrived at 2^60.
        using var blob = new MemoryStream();
        using (var writer = new BinaryWriter(blob, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(1);
            CheckpointValues.WriteRow(writer, Row("x", 1L));
            writer.Write(1L << 60);
        }
        blob.Position = 0;
        var restored = StringAgg();
        using (var reader = new BinaryReader(blob)) restored.ReadState(reader);
        restored.Add(Row("y", 1L));
        Assert.Equal("x,y", restored.Result());

        // And a checkpoint of this process's own rows comes back with them in the same order.
        using var again = new MemoryStream();
        using (var writer = new BinaryWriter(again, System.Text.Encoding.UTF8, leaveOpen: true)) restored.WriteState(writer);
        again.Position = 0;
        var copy = StringAgg();
        using (var reader = new BinaryReader(again)) copy.ReadState(reader);
        copy.Add(Row("z", 1L));
        Assert.Equal("x,y,z", copy.Result());
    }
}
