using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A key's hash code covers every one of its values, the fourth and later (kept in an array) too: otherwise every
/// GROUP BY, DISTINCT or join key that differs only past the third column lands on one hash code, and the tables keyed
/// by it compare values along one long chain for each row.
/// </summary>
public sealed class GroupKeyHashSpreadTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Keys_differing_only_in_their_last_value_have_different_hash_codes(int width)
    {
        var hashes = Enumerable.Range(0, 100)
            .Select(i => GroupKey.OfRow([.. Enumerable.Repeat<object?>("same", width - 1), (long)i]).GetHashCode())
            .ToHashSet();
        // Chance alone makes two of a hundred 32-bit hash codes equal about once in a million runs.
        Assert.True(hashes.Count >= 99, $"{hashes.Count} hash codes for 100 keys");
    }
}
