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
}
