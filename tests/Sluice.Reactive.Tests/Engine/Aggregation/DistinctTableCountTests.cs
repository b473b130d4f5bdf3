using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// What a COUNT(DISTINCT) table (<see cref="DistinctTable"/>) counts at its edges: values that leave free their room,
/// adding no sightings changes nothing, and a count of exactly 65,535 still fits a compact entry.
/// </summary>
public sealed class DistinctTableCountTests
{
    [Fact]
    public void Values_that_leave_free_their_room_so_a_churning_table_stays_inline()
    {
        var table = new SharedDistinctValues(1);
        table.Add(1L, 0, 1);
        table.Add(2L, 0, 2);
        table.Add(1L, 0, -1);
        Assert.Equal(1, table.Count);

        // Ten times the inline room, one value at a time: each leaves before the next comes.
        for (var v = 100L; v < 100 + 10 * DistinctTable.InlineCapacity; v++)
        {
            table.Add(v, 0, 1);
            Assert.Equal(2, table.Count);
            table.Add(v, 0, -1);
        }
        Assert.Equal(1, table.Count);
        Assert.False(table.IsSpilled);
        Assert.Equal(1, table.Distinct(0));
        Assert.Equal(2, table.CountOf(2L, 0));
    }

    [Fact]
    public void Adding_no_sightings_changes_nothing_even_in_a_full_table()
    {
        // The inline entries hold at most three quarters of their capacity; a new value with n = 0 needs no room.
        var table = new SharedDistinctValues(2);
        var most = DistinctTable.InlineCapacity - DistinctTable.InlineCapacity / 4;
        for (var v = 1L; v <= most; v++) table.Add(v, 0, 1);

        table.Add(1_000L, 1, 0); // a value nobody sees
        table.Add(1L, 1, 0);     // a value another slot sees
        table.Add(2L, 0, 0);     // a value this slot sees
        Assert.False(table.IsSpilled);
        Assert.Equal(most, table.Count);
        Assert.Equal(most, table.Distinct(0));
        Assert.Equal(0, table.Distinct(1));
        Assert.Equal(0, table.CountOf(1_000L, 1));
        Assert.Equal(1, table.CountOf(2L, 0));
    }

    [Fact]
    public void A_count_that_reaches_exactly_65535_in_steps_stays_in_a_compact_entry()
    {
        var table = new SharedDistinctValues(2);
        table.Add(7L, 0, 1);
        table.Add(8L, 1, 3);
        table.Add(7L, 0, ushort.MaxValue - 1);
        Assert.False(table.IsWide);
        Assert.Equal(ushort.MaxValue, table.CountOf(7L, 0));

        table.Add(7L, 0, 1);
        Assert.True(table.IsWide);
        Assert.Equal(ushort.MaxValue + 1, table.CountOf(7L, 0));
        Assert.Equal(3, table.CountOf(8L, 1));
    }
}
