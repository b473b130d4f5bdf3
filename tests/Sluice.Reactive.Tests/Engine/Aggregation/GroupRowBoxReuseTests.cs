using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// <see cref="AggregateGroup.ToRow(int[], object[])"/> of a packed group: a count past the boxed ones that equals the
/// count in the same column of the row emitted before is that box again, in the aggregate row's own layout (no
/// columns) as in another. The operator builds packed rows by their plan (PackedRowPlan); this is the method's contract.
/// </summary>
public sealed class GroupRowBoxReuseTests
{
    [Fact]
    public void An_unchanged_large_count_reuses_the_box_of_the_previous_row_without_a_layout()
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Count, null, false, SqlType.Bigint), E.Column(1), true),
        ];
        var group = AggregateGroup.Create(GroupKey.OfRow(["g"]), specs, PackedLayout.For(specs));
        Assert.NotNull(group.Packed);
        for (var i = 0; i < 5_000; i++) group.Add(specs, ["g", 1L]);
        var before = group.ToRow(null, null);
        group.Add(specs, ["g", null]); // COUNT(*) moves, COUNT(v) stays 5,000

        var after = group.ToRow(null, before);
        Assert.Equal(["g", 5_001L, 5_000L], after);
        Assert.Same(before[2], after[2]);
        Assert.Equal(after, group.ToRow());
    }
}
