using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A packed group with factored inputs (<see cref="AggregateInputs"/>) evaluates each FILTER condition once per row and
/// each value once per row where some aggregate reads it, never the aggregates' own argument delegates (those are for
/// rows where an expression fails); a group whose every aggregate is packed shares one array of no accumulators; a
/// packed append-only MIN/MAX refuses a retraction as its accumulator does.
/// </summary>
public sealed class PackedInputEvaluationTests
{
    // Rows are [k text, v bigint, f boolean, w bigint].
    private static readonly BoundColumn V = new(1, "v", SqlType.Bigint, default);
    private static readonly BoundColumn F = new(2, "f", SqlType.Boolean, default);
    private static readonly BoundColumn W = new(3, "w", SqlType.Bigint, default);

    private sealed class Calls
    {
        public int Arguments;
        public int Condition;
        public int Value;
        public int FilteredValue;
    }

    // COUNT(*), COUNT(v) FILTER (WHERE f), COUNT(DISTINCT v), COUNT(DISTINCT v) FILTER (WHERE f), COUNT(w) FILTER (WHERE f),
    // prepared as the planner does; every argument delegate counts its calls.
    private static AggregateSpec[] Specs(Calls calls)
    {
        static BoundCase When(BoundExpr value) => new([F], [value], null, SqlType.Bigint, default);
        Func<object?[], object?> Plain(int column) => row => { calls.Arguments++; return row[column]; };
        Func<object?[], object?> Filtered(int column) => row => { calls.Arguments++; return row[2] is true ? row[column] : null; };
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Count, When(V), false, SqlType.Bigint), Filtered(1), true),
            new(new AggregateCall(AggregateKind.Count, V, true, SqlType.Bigint), Plain(1), true),
            new(new AggregateCall(AggregateKind.Count, When(V), true, SqlType.Bigint), Filtered(1), true),
            new(new AggregateCall(AggregateKind.Count, When(W), false, SqlType.Bigint), Filtered(3), true),
        ];
        return AggregateSpec.FactorInputs(AggregateSpec.ShareDistinctCounts(specs));
    }

    [Fact]
    public void Each_condition_and_each_value_read_is_evaluated_once_per_row_and_no_argument_delegate_at_all()
    {
        var calls = new Calls();
        var specs = Specs(calls);
        var inputs = Assert.IsType<AggregateInputs>(specs[0].Inputs);
        Assert.Single(inputs.Conditions);
        Assert.Equal(2, inputs.Values.Length); // v, then w
        var condition = inputs.Conditions[0];
        inputs.Conditions[0] = row => { calls.Condition++; return condition(row); };
        var (v, w) = (inputs.Values[0], inputs.Values[1]);
        inputs.Values[0] = row => { calls.Value++; return v(row); };
        inputs.Values[1] = row => { calls.FilteredValue++; return w(row); };

        var layout = Assert.IsType<PackedLayout>(PackedLayout.For(specs));
        var key = GroupKey.OfRow(["g"]);
        var packed = AggregateGroup.Create(key, specs, layout);
        var plainSpecs = Specs(new Calls());
        var plain = new AggregateGroup(key, AggregateSpec.CreateAll(plainSpecs));
        var rows = new List<object?[]>();
        var (changes, met) = (0, 0);
        for (var i = 0; i < 60; i++)
        {
            object?[] row = ["g", i % 7 == 0 ? null : (long)(i % 5), i % 3 == 0, i % 4 == 0 ? null : (long)i];
            var retract = i % 4 == 3;
            if (retract) row = rows[i / 2];
            if (retract) packed.Retract(specs, row);
            else packed.Add(specs, row);
            if (retract) plain.Retract(plainSpecs, row);
            else plain.Add(plainSpecs, row);
            if (!retract) rows.Add(row);
            changes++;
            if (row[2] is true) met++;
            Assert.Equal(plain.ToRow(), packed.ToRow());
            Assert.Equal((changes, changes, met, 0), (calls.Condition, calls.Value, calls.FilteredValue, calls.Arguments));
        }
        Assert.Equal(new object?[] { "g", 30L }, packed.ToRow()[..2]);
    }

    [Fact]
    public void Groups_whose_every_aggregate_is_packed_share_one_array_of_no_accumulators()
    {
        var specs = Specs(new Calls());
        var layout = Assert.IsType<PackedLayout>(PackedLayout.For(specs));
        var a = AggregateGroup.Create(GroupKey.OfRow(["a"]), specs, layout);
        var b = AggregateGroup.Create(GroupKey.OfRow(["b"]), specs, layout);
        Assert.Same(layout.NoAccumulators, a.Accumulators);
        Assert.Same(a.Accumulators, b.Accumulators);
        Assert.All(a.Accumulators, Assert.Null);
        Assert.Equal(specs.Length, a.Accumulators.Length);
    }

    [Fact]
    public void A_packed_append_only_max_refuses_a_retraction_with_its_accumulators_message()
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false),
            new(new AggregateCall(AggregateKind.Max, V, false, SqlType.Bigint), row => row[1], false),
        ];
        var group = AggregateGroup.Create(GroupKey.OfRow(["g"]), specs, PackedLayout.For(specs));
        Assert.NotNull(group.Packed);
        group.Add(specs, ["g", 3L]);
        var packed = Assert.Throws<InvalidOperationException>(() => group.Retract(specs, ["g", 3L]));
        var own = Assert.Throws<InvalidOperationException>(() => specs[1].Create().Retract(3L));
        Assert.Equal("MIN/MAX over an append-only input cannot retract.", packed.Message);
        Assert.Equal(packed.Message, own.Message);
    }
}
