using Sluice.Reactive.Expressions;

namespace Sluice.Reactive.Tests.Engine;

/// <summary><c>LOWER(x) = 'literal'</c> and <c>LOWER(x) IN (…)</c> compared without lowering give exactly LOWER's answers.</summary>
public sealed class LoweredTextTests
{
    // ASCII, and non-ASCII characters whose invariant lowering is unusual: KELVIN SIGN → 'k', U+0130, dotless i,
    // long s, a sigma, a surrogate pair (DESERET CAPITAL LONG I → its small letter), a lone surrogate.
    private static readonly string[] Pieces = ["a", "B", "k", "K", "i", "I", "-", "1", "\u212A", "\u0130", "\u0131", "\u017F", "\u03A3", "\uD801\uDC00", "\uD801\uDC28", "\uD800", "é", "É"];

    private static string RandomText(Random random, int maxPieces)
    {
        var count = random.Next(maxPieces + 1);
        return string.Concat(Enumerable.Range(0, count).Select(_ => Pieces[random.Next(Pieces.Length)]));
    }

    [Fact]
    public void Equality_with_a_literal_agrees_with_lowering_then_comparing_on_random_text()
    {
        var random = new Random(21);
        var wrong = new List<string>();
        for (var i = 0; i < 20_000; i++)
        {
            var value = random.Next(20) == 0 ? null : RandomText(random, 4);
            // Half the literals are the lowering of some text, so equal pairs are common.
            var literal = random.Next(2) == 0 ? RandomText(random, 4).ToLowerInvariant() : RandomText(random, 4);
            var lowered = value?.ToLowerInvariant();
            bool? expected = lowered is null ? null : string.Equals(lowered, literal, StringComparison.Ordinal);
            if (expected != LoweredText.EqualsLiteral(value, literal)) wrong.Add($"LOWER('{value}') = '{literal}'");
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public void Membership_in_a_literal_list_agrees_with_lowering_then_probing_on_random_text()
    {
        var random = new Random(12);
        var wrong = new List<string>();
        for (var i = 0; i < 2_000; i++)
        {
            var items = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(2) == 0 ? RandomText(random, 3).ToLowerInvariant() : RandomText(random, 3)).ToList();
            var hasNull = random.Next(4) == 0;
            var set = new LoweredTextSet(items, hasNull);
            for (var j = 0; j < 10; j++)
            {
                var value = random.Next(20) == 0 ? null : RandomText(random, 3);
                bool? expected = value is null ? null : items.Contains(value.ToLowerInvariant()) ? true : hasNull ? null : false;
                if (expected != set.Contains(value)) wrong.Add($"LOWER('{value}') IN ({string.Join(", ", items)}), NULL listed: {hasNull}");
            }
        }
        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData("Apple", true)]
    [InlineData("APPLE", true)]
    [InlineData("apple ", false)]
    [InlineData("\u212Aiwi", true)] // KELVIN SIGN lowers to 'k'
    public void A_query_compares_lowered_text_with_literals(string channel, bool hot)
    {
        using var run = new QueryRun("""
            SELECT k, LOWER(k) = 'apple' OR LOWER(k) = 'kiwi' AS eq, LOWER(k) IN ('apple', 'kiwi') AS member, 'apple' <> LOWER(k) AS ne
            FROM t
            """);
        run.Push(0, 1, channel, 1L, null, null, null, QueryRun.At(1), null);
        run.Push(0, 2, null, 1L, null, null, null, QueryRun.At(2), null);

        var lowered = channel.ToLowerInvariant();
        var notApple = !string.Equals(lowered, "apple", StringComparison.Ordinal);
        Assert.Null(run.Error);
        Assert.Equal([$"{channel}|{hot}|{hot}|{notApple}", "null|null|null|null"], run.Rows.Select(r => QueryRun.Render(r.Values)));
    }
}
