using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A GROUP BY's counts, shared distinct counts and append-only MIN/MAX packed in the group object
/// (<see cref="PackedAggregateGroup"/>) must give the results and the checkpoint bytes of one accumulator per aggregate, so
/// checkpoints of either kind restore into the other (packing is not part of checkpoint format 3); so must the path that
/// evaluates each FILTER condition and value once per row (<see cref="AggregateInputs"/>).
/// </summary>
public sealed class PackedAggregatesTests
{
    // Rows are [k text, v bigint, f boolean]; the aggregates are those of Nexmark q16 in small, plus a MAX (packed only
    // over an append-only input, retractable = false). 'factored': the planner's spec preparation, conditions and values
    // evaluated once per row; otherwise each aggregate's argument delegate (the path a failing expression takes).
    private static AggregateSpec[] Specs(bool factored = false, bool retractable = true)
    {
        var v = new BoundColumn(1, "v", SqlType.Bigint, default);
        var f = new BoundColumn(2, "f", SqlType.Boolean, default);
        var filteredV = new BoundCase([f], [v], null, SqlType.Bigint, default);
        static object? Filtered(object?[] row) => row[2] is true ? row[1] : null;
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, retractable),
            new(new AggregateCall(AggregateKind.Count, filteredV, false, SqlType.Bigint), Filtered, retractable),
            new(new AggregateCall(AggregateKind.Count, v, true, SqlType.Bigint), row => row[1], retractable),
            new(new AggregateCall(AggregateKind.Max, v, false, SqlType.Bigint), row => row[1], retractable),
            new(new AggregateCall(AggregateKind.Count, filteredV, true, SqlType.Bigint), Filtered, retractable),
        ];
        var shared = AggregateSpec.ShareDistinctCounts(specs);
        return factored ? AggregateSpec.FactorInputs(shared) : shared;
    }

    private static byte[] Bytes(AggregateGroup group)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) AggregateGroup.Write(writer, group);
        return buffer.ToArray();
    }

    private static AggregateGroup Read(byte[] bytes, AggregateSpec[] specs, PackedLayout? layout)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return AggregateGroup.Read(reader, specs, null, layout);
    }

    [Fact]
    public void The_layout_packs_counts_and_shared_distinct_counts_and_leaves_the_rest_to_accumulators()
    {
        var specs = Specs();
        var layout = Assert.IsType<PackedLayout>(PackedLayout.For(specs));
        Assert.Equal([true, true, true, false, true], Enumerable.Range(0, specs.Length).Select(layout.IsPacked));
        var group = AggregateGroup.Create(default, specs, layout);
        Assert.NotNull(group.Packed);
        Assert.Equal([false, false, false, true, false], group.Accumulators.Select(a => a is not null));
        Assert.Null(PackedLayout.For([specs[3]])); // nothing to pack: one accumulator per aggregate as before
        var appendOnly = Specs(retractable: false);
        var packed = AggregateGroup.Create(default, appendOnly, PackedLayout.For(appendOnly));
        Assert.All(packed.Accumulators, Assert.Null); // the MAX too, over an append-only input
        Assert.IsType<PackedDistinctGroup>(packed); // with its shared distinct tables and their inline entries
        var countsOnly = new[] { specs[0], specs[1] };
        Assert.IsType<PackedAggregateGroup>(AggregateGroup.Create(default, countsOnly, PackedLayout.For(countsOnly))); // without their bytes
    }

    [Theory]
    [InlineData(1, false, true)]
    [InlineData(2, false, true)]
    [InlineData(1, true, true)]
    [InlineData(2, true, true)]
    [InlineData(3, true, false)]
    [InlineData(4, false, false)]
    public void A_packed_group_matches_one_accumulator_per_aggregate_in_results_and_checkpoint_bytes(int seed, bool factored, bool retractable)
    {
        var specs = Specs(factored, retractable);
        var layout = PackedLayout.For(specs)!;
        var key = GroupKey.OfRow(["g"]);
        var plain = new AggregateGroup(key, AggregateSpec.CreateAll(specs));
        var packed = AggregateGroup.Create(key, specs, layout);
        var random = new Random(seed);
        var added = new List<object?[]>();
        for (var step = 0; step < 2_000; step++)
        {
            if (retractable && added.Count > 0 && random.Next(3) == 0)
            {
                var row = added[random.Next(added.Count)];
                added.Remove(row);
                plain.Retract(specs, row);
                packed.Retract(specs, row);
            }
            else
            {
                object?[] row = ["g", random.Next(3) == 0 ? null : (long)random.Next(50), random.Next(2) == 0];
                added.Add(row);
                plain.Add(specs, row);
                packed.Add(specs, row);
            }
            Assert.True(AggregateGroup.Identical(plain.ToRow(), packed.ToRow()), $"step {step}");
            if (step % 97 != 0) continue;

            var bytes = Bytes(plain);
            Assert.Equal(bytes, Bytes(packed));
            // Either kind reads the other's bytes; both read them into tables of the same order, so write the same again.
            var restoredPacked = Read(bytes, specs, layout);
            var restoredPlain = Read(Bytes(packed), specs, null);
            Assert.NotNull(restoredPacked.Packed);
            Assert.Null(restoredPlain.Packed);
            Assert.True(AggregateGroup.Identical(plain.ToRow(), restoredPacked.ToRow()));
            Assert.True(AggregateGroup.Identical(plain.ToRow(), restoredPlain.ToRow()));
            Assert.Equal(Bytes(restoredPlain), Bytes(restoredPacked));
        }
        Assert.Equal((long)added.Count, packed.ToRow()[1]);
    }

    [Theory]
    [InlineData(5, true)]
    [InlineData(6, false)]
    public void The_row_plan_builds_the_rows_ToRow_builds_in_any_column_layout(int seed, bool factored)
    {
        // Keys (text, bigint) and the five aggregates: a counter, a filtered counter, two distinct slots and the MAX
        // left to its accumulator (retractable) or packed as a best value (append-only).
        foreach (var retractable in new[] { true, false })
        {
            var specs = Specs(factored, retractable);
            var layout = PackedLayout.For(specs)!;
            var group = (PackedAggregateGroup)AggregateGroup.Create(GroupKey.FromParts(2, "g", 7L, null, null), specs, layout);
            int[]?[] layouts = [null, [6, 1, 0, 3, 2, 5, 4], [2, 2, 0, 4]];
            var random = new Random(seed);
            object?[]?[] previous = new object?[]?[layouts.Length];
            for (var step = 0; step < 500; step++)
            {
                group.Add(specs, ["g", random.Next(4) == 0 ? null : (long)random.Next(5_000), random.Next(2) == 0]);
                for (var l = 0; l < layouts.Length; l++)
                {
                    var expected = group.ToRow(layouts[l], previous[l]);
                    var planned = layout.PlanRow(2, layouts[l]).Row(group, previous[l]);
                    Assert.True(AggregateGroup.Identical(expected, planned), $"step {step}, layout {l}");
                    previous[l] = planned;
                }
            }
            Assert.Equal(new object?[] { "g", 7L, 500L }, layout.PlanRow(2, null).Row(group, null)[..3]);
        }
    }
}
