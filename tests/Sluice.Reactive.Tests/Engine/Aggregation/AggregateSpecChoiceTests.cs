using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// What an aggregate's spec decides for the operators around it: whether its result is cheap enough to rebuild a
/// group's last row from (GroupAggregateSink keeps no row then), whether an append-only MIN/MAX is packed as a best value,
/// which COUNT(DISTINCT bigint)s share a table, and which accumulators a lazy restore may read group after group into.
/// </summary>
public sealed class AggregateSpecChoiceTests
{
    private static readonly BoundColumn V = new(1, "v", SqlType.Bigint, default);
    private static readonly BoundColumn W = new(2, "w", SqlType.Bigint, default);
    private static readonly BoundColumn T = new(2, "t", SqlType.Text, default);

    private static AggregateSpec Spec(AggregateKind kind, BoundExpr? argument = null, bool distinct = false, bool retractable = true, SqlType type = SqlType.Bigint) =>
        new(new AggregateCall(kind, argument, distinct, type), argument is BoundColumn c ? row => row[c.Index] : null, retractable);

    [Theory]
    [InlineData("CountStar", false, true, true)]
    [InlineData("Count", false, true, true)]
    [InlineData("Count", true, true, true)]
    [InlineData("Min", false, false, true)]
    [InlineData("Max", false, false, true)]
    [InlineData("Min", false, true, false)] // a multiset: its best value is found by enumerating
    [InlineData("Max", false, true, false)]
    [InlineData("Sum", false, false, false)] // boxes a new sum
    [InlineData("Sum", false, true, false)]
    [InlineData("Avg", false, false, false)]
    public void Counts_and_append_only_min_max_are_cheap_to_read_and_the_rest_is_not(string name, bool distinct, bool retractable, bool cheap)
    {
        var kind = Enum.Parse<AggregateKind>(name);
        Assert.Equal(cheap, Spec(kind, kind == AggregateKind.CountStar ? null : V, distinct, retractable).ResultIsCheap);
    }

    [Theory]
    [InlineData("Min")]
    [InlineData("Max")]
    public void An_append_only_min_or_max_is_packed_as_a_best_value_and_one_over_a_changelog_is_not(string name)
    {
        var kind = Enum.Parse<AggregateKind>(name);
        AggregateSpec[] appendOnly = [Spec(AggregateKind.CountStar, retractable: false), Spec(kind, V, retractable: false)];
        var layout = Assert.IsType<PackedLayout>(PackedLayout.For(appendOnly));
        Assert.True(layout.IsPacked(1));
        Assert.True(appendOnly[1].IsAppendOnlyMinMax);
        // Over a changelog only the count would be packed: fewer than two, so no layout at all.
        Assert.Null(PackedLayout.For([Spec(AggregateKind.CountStar), Spec(kind, V)]));
    }

    [Fact]
    public void A_count_distinct_alone_over_its_value_keeps_a_table_of_its_own_and_two_over_one_value_share()
    {
        // w's lone COUNT(DISTINCT) comes first: it neither shares nor takes a shared table's number.
        var specs = AggregateSpec.ShareDistinctCounts(
            [Spec(AggregateKind.Count, W, distinct: true), Spec(AggregateKind.Count, V, distinct: true), Spec(AggregateKind.Count, V, distinct: true)]);
        Assert.Null(specs[0].Share);
        Assert.Equal(new DistinctShare(0, 0, 2), specs[1].Share);
        Assert.Equal(new DistinctShare(0, 1, 2), specs[2].Share);
        Assert.IsType<CountDistinctBigintAccumulator>(AggregateSpec.CreateAll(specs)[0]);
    }

    [Fact]
    public void A_lone_count_distinct_of_bigints_writes_what_a_shared_one_reads_and_the_other_way_round()
    {
        // Checkpoint bytes do not depend on the sharing (docs/durability.md: COUNT DISTINCT, each value with its multiplicity).
        var lone = Spec(AggregateKind.Count, V, distinct: true);
        var shared = AggregateSpec.ShareDistinctCounts([lone, lone]);
        var own = lone.Create();
        var table = AggregateSpec.CreateAll(shared);
        foreach (var v in new long[] { 5, 7, 5, -3, long.MaxValue })
        {
            own.Add(v);
            table[0].Add(v);
        }
        var ownBytes = Bytes(own); // the same values with the same counts, in another order (the shared table hashes)
        Assert.Equal(ownBytes.Length, Bytes(table[0]).Length);
        var intoShared = AggregateSpec.CreateAll(shared)[0];
        intoShared.ReadState(new BinaryReader(new MemoryStream(ownBytes)));
        Assert.Equal(4L, intoShared.Result());
        var intoOwn = lone.Create();
        intoOwn.ReadState(new BinaryReader(new MemoryStream(Bytes(table[0]))));
        intoOwn.Retract(5L);
        Assert.Equal(4L, intoOwn.Result()); // 5 was seen twice
        intoOwn.Retract(5L);
        Assert.Equal(3L, intoOwn.Result());
    }

    [Fact]
    public void A_lazy_restore_reads_groups_holding_the_same_distinct_values_one_after_another()
    {
        // Distinct values, multisets and ordered rows are collections: a restore that read every group into one set of
        // accumulators would add each group's values to the last one's (and fail on a value already there).
        AggregateSpec[] specs = [Spec(AggregateKind.Count, V, distinct: true), Spec(AggregateKind.Count, T, distinct: true), Spec(AggregateKind.Max, V)];
        Assert.Null(AggregateSpec.ScratchFor(specs));
        Assert.Null(AggregateSpec.ScratchFor([specs[2]]));
        Assert.NotNull(AggregateSpec.ScratchFor([Spec(AggregateKind.CountStar), Spec(AggregateKind.Sum, V), Spec(AggregateKind.Max, V, retractable: false),
            Spec(AggregateKind.Sum, V, type: SqlType.Double), Spec(AggregateKind.Sum, V, type: SqlType.Decimal)]));

        using var buffer = new MemoryStream();
        var writer = new BinaryWriter(buffer);
        foreach (var key in new[] { "a", "b", "c" })
        {
            var group = new AggregateGroup(GroupKey.OfRow([key]), AggregateSpec.CreateAll(specs));
            group.Add(specs, [key, 1L, "x"]);
            group.Add(specs, [key, key == "b" ? 2L : 1L, "x"]);
            AggregateGroup.Write(writer, group);
        }
        writer.Flush();
        var reader = new BinaryReader(new MemoryStream(buffer.GetBuffer(), 0, (int)buffer.Length, writable: false, publiclyVisible: true));
        var restored = Assert.IsType<RestoredGroups>(RestoredGroups.Scan(reader, 3, specs));
        Assert.True(restored.TryTake(GroupKey.OfRow(["b"]), specs, null, null, out var b));
        Assert.Equal(new object?[] { "b", 2L, 1L, 2L }, b.ToRow());
        Assert.True(restored.TryTake(GroupKey.OfRow(["c"]), specs, null, null, out var c));
        Assert.Equal(new object?[] { "c", 1L, 1L, 1L }, c.ToRow());
    }

    private static byte[] Bytes(Accumulator accumulator)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) accumulator.WriteState(writer);
        return buffer.ToArray();
    }
}
