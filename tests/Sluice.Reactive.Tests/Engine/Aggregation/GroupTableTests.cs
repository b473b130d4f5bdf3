using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// The running GROUP BY's open-addressing table of groups (<see cref="GroupTable"/>): through random adds and removes,
/// growth and deletions that shift later slots back, it finds exactly the groups a dictionary holds.
/// </summary>
public sealed class GroupTableTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Adds_and_removes_find_exactly_what_a_dictionary_holds(int seed)
    {
        var random = new Random(seed);
        var table = new GroupTable();
        var reference = new Dictionary<GroupKey, AggregateGroup>();
        for (var step = 0; step < 20_000; step++)
        {
            // Few distinct keys, so runs of occupied slots form, wrap around the end and are cut by removals.
            var key = GroupKey.OfRow([(long)random.Next(300), random.Next(2) == 0 ? "a" : null]);
            if (reference.ContainsKey(key) && random.Next(2) == 0)
            {
                table.Remove(key);
                reference.Remove(key);
            }
            else if (!reference.ContainsKey(key))
            {
                var group = new AggregateGroup(key, []);
                table.Add(group);
                reference.Add(key, group);
            }
            if (step % 500 != 0) continue;
            Assert.Equal(reference.Count, table.Count);
            foreach (var (k, g) in reference)
            {
                Assert.True(table.TryGetValue(k, out var found));
                Assert.Same(g, found);
            }
            // The same group objects, compared as a set by reference: ordering by hash code put two groups whose codes
            // collided (string hashes are seeded per process) in different orders on the two sides now and then.
            var held = table.ToArray();
            Assert.Equal(reference.Count, held.Length);
            Assert.True(new HashSet<AggregateGroup>(held, ReferenceEqualityComparer.Instance).SetEquals(reference.Values), "the table holds other groups than the dictionary");
            Assert.Equal(table.ToArray(), table.Groups);
        }
        Assert.False(table.TryGetValue(GroupKey.OfRow([1_000L, "a"]), out _));
        table.Remove(GroupKey.OfRow([1_000L, "a"])); // absent: nothing happens
        Assert.Equal(reference.Count, table.Count);
    }

    [Fact]
    public void A_table_sized_ahead_holds_that_many_groups_and_finds_each()
    {
        var table = new GroupTable();
        table.EnsureCapacity(1_000);
        for (var i = 0; i < 1_000; i++) table.Add(new AggregateGroup(GroupKey.OfRow([(long)i]), []));
        Assert.Equal(1_000, table.Count);
        for (var i = 0; i < 1_000; i++) Assert.True(table.TryGetValue(GroupKey.OfRow([(long)i]), out var g) && g.Key.Equals(GroupKey.OfRow([(long)i])));
    }

    [Fact]
    public void Removing_a_key_takes_out_its_group_and_not_another_whose_key_has_the_same_hash_code()
    {
        // long.GetHashCode folds the high half onto the low one: these three keys have the same hash code.
        var first = GroupKey.OfRow([1L]);
        var second = GroupKey.OfRow([1L << 32]);
        var absent = GroupKey.OfRow([(2L << 32) | 3]);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.GetHashCode(), absent.GetHashCode());
        var table = new GroupTable();
        table.Add(new AggregateGroup(first, []));
        table.Add(new AggregateGroup(second, []));

        table.Remove(absent);
        Assert.Equal(2, table.Count);
        table.Remove(second);
        Assert.Equal(1, table.Count);
        Assert.True(table.TryGetValue(first, out var left) && left.Key.Equals(first));
        Assert.False(table.TryGetValue(second, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_small_table_whose_runs_wrap_around_its_end_finds_everything_through_removals(int seed)
    {
        // At most 11 groups: the table keeps its first 16 slots, so runs often cross its end and removals shift slots
        // from its start back to its end (or leave them, when their home lies between).
        var random = new Random(seed);
        var table = new GroupTable();
        var reference = new Dictionary<GroupKey, AggregateGroup>();
        for (var step = 0; step < 20_000; step++)
        {
            var key = GroupKey.OfRow([(long)random.Next(40)]);
            if (reference.Remove(key)) table.Remove(key);
            else if (reference.Count < 11)
            {
                var group = new AggregateGroup(key, []);
                table.Add(group);
                reference.Add(key, group);
            }
            Assert.Equal(reference.Count, table.Count);
            foreach (var (k, g) in reference)
            {
                Assert.True(table.TryGetValue(k, out var found), $"step {step}: a group is lost");
                Assert.Same(g, found);
            }
        }
    }
}
