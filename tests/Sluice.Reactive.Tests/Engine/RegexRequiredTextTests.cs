using System.Text;
using System.Text.RegularExpressions;
using Sluice.Reactive.Expressions;

namespace Sluice.Reactive.Tests.Engine;

/// <summary>
/// The text a pattern's every match contains (<see cref="RegexRequiredText"/>), and REGEXP_MATCH/REGEXP_REPLACE with
/// that shortcut giving exactly what the regex alone gives, on random patterns and inputs.
/// </summary>
public sealed class RegexRequiredTextTests
{
    [Theory]
    [InlineData("(&|^)channel_id=([^&]*)", "channel_id=")]
    [InlineData("abc", "abc")]
    [InlineData("ab*c", "a")]
    [InlineData("x+yz", "yz")]
    [InlineData("a\\.b\\(c", "a.b(c")]
    [InlineData("ab{2}cde", "cde")]
    [InlineData("ab{2,}?cd", "cd")]
    [InlineData("[abc]de(fg|h)ij", "de")]
    [InlineData("id=\\d+&name=", "&name=")]
    [InlineData("a|b", null)]
    [InlineData("(?i)abc", null)]
    [InlineData("\\p{L}abc", null)]
    [InlineData("(a)\\1bc", null)]
    [InlineData("a{x", null)]
    [InlineData(".*", null)]
    [InlineData("[a-z-[aeiou]]xy", null)]
    [InlineData("[]a]bc", "bc")]
    [InlineData("(?<name>x)yz", "yz")]
    [InlineData("a\\tb", "a\tb")]
    public void Finds_the_longest_plain_run_of_the_top_level_sequence(string pattern, string? expected) =>
        Assert.Equal(expected, RegexRequiredText.Of(pattern));

    [Fact]
    public void Regexp_match_and_replace_agree_with_the_regex_alone_on_random_patterns_and_inputs()
    {
        var random = new Random(2112);
        var patterns = 0;
        for (var p = 0; p < 3_000; p++)
        {
            var pattern = RandomPattern(random, 0);
            Regex reference;
            try
            {
                reference = Reference(pattern);
            }
            catch (ArgumentException)
            {
                continue; // not a pattern .NET accepts
            }
            patterns++;
            var regex = new SqlRegex(pattern, ignoreCase: false, PatientTimeout);
            var required = RegexRequiredText.Of(pattern);
            for (var i = 0; i < 30; i++)
            {
                var input = RandomInput(random);
                var match = reference.Match(input);
                if (match.Success && required is not null) Assert.Contains(required, input, StringComparison.Ordinal);
                Assert.Equal(Groups(match), regex.Match(input));
                Assert.Equal(reference.Replace(input, "<$0>", 1), regex.Replace(input, "<\\&>", global: false));
            }
        }
        Assert.True(patterns > 1_000, $"only {patterns} random patterns were valid");
    }

    // What SqlRegex did before the shortcut: the same engines, every value through the regex.
    private static Regex Reference(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, PatientTimeout);
        }
    }

    // The service's 100 ms bound on a backtracking match is about a hostile pattern; on a machine loaded by other
    // work these short inputs can take longer than that, and a timeout on one side only would read as disagreement.
    private static readonly TimeSpan PatientTimeout = TimeSpan.FromSeconds(10);

    private static string[]? Groups(Match match)
    {
        if (!match.Success) return null;
        if (match.Groups.Count == 1) return [match.Value];
        return [.. match.Groups.Cast<Group>().Skip(1).Select(g => g.Success ? g.Value : null!)];
    }

    private static readonly string[] Atoms =
    [
        "a", "b", "c", "=", "&", "_", ".", "^", "$", "\\d", "\\w", "\\b", "\\.", "\\&", "[ab]", "[^a]", "[]a]", "[a-c]", "\\tx", "{", "}", "]", "#", " ",
    ];

    private static readonly string[] GroupOpeners = ["(", "(?:", "(?<g>", "(?=", "(?!", "(?i:", "(?#"];

    private static readonly string[] TopLevelOddities = ["(?i)", "|", "\\1", "\\p{L}", "(?x)"];

    private static readonly string[] Quantifiers = ["", "", "", "", "*", "+", "?", "{2}", "{1,}", "{0,2}", "*?", "{", "{1,x}"];

    private static string RandomPattern(Random random, int depth)
    {
        var sb = new StringBuilder();
        var count = random.Next(1, 7);
        for (var i = 0; i < count; i++)
        {
            var kind = random.Next(10);
            if (kind == 0 && depth < 2)
            {
                var opener = GroupOpeners[random.Next(GroupOpeners.Length)];
                sb.Append(opener).Append(RandomPattern(random, depth + 1));
                if (random.Next(3) == 0) sb.Append('|').Append(RandomPattern(random, depth + 1));
                sb.Append(')');
            }
            else if (kind == 1 && depth == 0 && random.Next(4) == 0)
            {
                sb.Append(TopLevelOddities[random.Next(TopLevelOddities.Length)]);
            }
            else
            {
                sb.Append(Atoms[random.Next(Atoms.Length)]);
            }
            sb.Append(Quantifiers[random.Next(Quantifiers.Length)]);
        }
        return sb.ToString();
    }

    private static string RandomInput(Random random)
    {
        const string alphabet = "abc=&_.1 {}]#\tx";
        var length = random.Next(12);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }
}
