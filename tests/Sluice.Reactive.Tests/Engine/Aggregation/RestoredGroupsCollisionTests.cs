using Sluice.Reactive.Planning;
using Sluice.Reactive.Tests.Checkpoints;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A GROUP BY restored lazily (RestoredGroups) finds an untouched group by its key's hash, then compares the key itself:
/// two restored groups whose keys have the same hash (the bigints 1 and 2^32: <see cref="long.GetHashCode"/> folds the
/// high half onto the low one) each continue from their own state, whichever is looked up first.
/// </summary>
public sealed class RestoredGroupsCollisionTests
{
    private const long First = 1;
    private const long Second = 1L << 32;

    private static readonly CompiledQuery Query = QueryCompiler.Compile("SELECT k, COUNT(*) AS n FROM g GROUP BY k", new BigintShapes());

    private static Push Row(long k, int at) => new(0, new InputEvent(at, DateTime.UnixEpoch, [k]));

    private static string Printed(OutputRow row) => $"{row.Op} {string.Join(",", row.Values)}";

    [Theory]
    [InlineData(First, Second)]
    [InlineData(Second, First)]
    public void Restored_groups_whose_keys_share_a_hash_each_continue_from_their_own_count(long touchedFirst, long touchedSecond)
    {
        Assert.Equal(First.GetHashCode(), Second.GetHashCode());
        using var pipeline = new CheckpointedPipeline(Query);
        pipeline.Run([Row(First, 1), Row(First, 2), Row(First, 3), Row(Second, 4), Row(5, 5)]);
        var blob = pipeline.Checkpoint();

        using var restored = new CheckpointedPipeline(Query);
        restored.Restore(blob);
        restored.Run([Row(touchedFirst, 6), Row(touchedSecond, 7)]);

        string[] Continued(long k) => k == First ? ["Delete 1,3", "Insert 1,4"] : [$"Delete {Second},1", $"Insert {Second},2"];
        Assert.Equal([.. Continued(touchedFirst), .. Continued(touchedSecond)], restored.Rows.Select(Printed));
        Assert.Equal(3, restored.Stats.StateSize);
    }

    private sealed class BigintShapes : IStreamShapes
    {
        public StreamShape? Find(string name) => name == "g" ? new StreamShape("g", [new("k", ColumnType.Bigint)], null, TimeSpan.Zero) : null;
    }
}
