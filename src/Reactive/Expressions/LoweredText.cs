using System.Buffers;
using System.Text;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// <c>LOWER(x) = 'literal'</c> and <c>LOWER(x) IN ('a', 'b', …)</c> without building the lowered string when x is ASCII
/// (Nexmark q21 compares LOWER(channel) five times per bid). Any other value takes the exact path, LOWER then compare,
/// so invariant lowering of non-ASCII text (U+212A KELVIN SIGN → 'k', U+0130 kept as it is) gives the same answers.
/// </summary>
/// <remarks>
/// .NET's invariant lowering writes the result into a string of the source's length, one UTF-16 unit for one, and
/// lowers an ASCII unit to its ASCII lower case: so an ASCII value equals a literal only if it has the literal's length
/// and each of its lowered units equals the literal's unit at the same place.
/// </remarks>
internal static class LoweredText
{
    public static bool? EqualsLiteral(string? value, string literal)
    {
        if (value is null) return null;
        if (value.Length != literal.Length) return false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!char.IsAscii(c)) return string.Equals(SqlRuntime.Lower(value), literal, StringComparison.Ordinal);
            if (char.IsAsciiLetterUpper(c)) c = (char)(c | 0x20);
            if (c != literal[i]) return false;
        }
        return true;
    }
}

/// <summary>The literal list of a <c>LOWER(x) IN (…)</c>, probed with x lowered on the stack when x is ASCII.</summary>
internal sealed class LoweredTextSet
{
    private const int StackLimit = 256;

    private readonly HashSet<string> items;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> bySpan;
    private readonly int longest;
    private readonly bool listHasNull;

    public LoweredTextSet(IEnumerable<string> literals, bool listHasNull)
    {
        items = new HashSet<string>(literals, StringComparer.Ordinal);
        bySpan = items.GetAlternateLookup<ReadOnlySpan<char>>();
        longest = items.Count == 0 ? 0 : items.Max(s => s.Length);
        this.listHasNull = listHasNull;
    }

    public bool? Contains(string? value)
    {
        if (value is null) return null;
        bool found;
        if (value.Length > longest)
        {
            // Longer than every item: lowering keeps the length, so it cannot be one.
            found = false;
        }
        else if (value.Length <= StackLimit)
        {
            Span<char> lowered = stackalloc char[value.Length];
            found = Ascii.ToLower(value, lowered, out _) == OperationStatus.Done
                ? bySpan.Contains(lowered)
                : items.Contains(SqlRuntime.Lower(value)!);
        }
        else
        {
            found = items.Contains(SqlRuntime.Lower(value)!);
        }
        return found ? true : listHasNull ? null : false;
    }
}
