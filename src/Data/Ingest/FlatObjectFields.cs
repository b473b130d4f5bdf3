namespace Sluice.Data.Ingest;

/// <summary>
/// What the byte paths over flat JSON objects in the stored form share (<see cref="CanonicalEventScanner"/> at ingest,
/// the query runtime's stored-form decoder): a table of <c>"name":</c> prefixes matched at a field's start, the next
/// field first as producers and ingest write them in order, and what may follow a value.
/// </summary>
public sealed class FlatObjectFields
{
    private readonly byte[]?[] quotedNames;

    /// <param name="utf8Names">The fields' UTF-8 names; null for one never to be matched.</param>
    public FlatObjectFields(IEnumerable<byte[]?> utf8Names) =>
        quotedNames = utf8Names.Select(n => n is null ? null : (byte[])[(byte)'"', .. n, (byte)'"', (byte)':']).ToArray();

    /// <summary>The length of field <paramref name="index"/>'s <c>"name":</c>.</summary>
    public int PrefixLength(int index) => quotedNames[index]!.Length;

    /// <summary>The field whose <c>"name":</c> starts <paramref name="rest"/>, trying <paramref name="hint"/> first; -1 for none.</summary>
    public int Match(ReadOnlySpan<byte> rest, int hint)
    {
        if (hint < quotedNames.Length && quotedNames[hint] is { } expected && rest.StartsWith(expected))
        {
            return hint;
        }
        for (var i = 0; i < quotedNames.Length; i++)
        {
            if (quotedNames[i] is { } name && rest.StartsWith(name))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The field whose <c>"name":</c> starts at <paramref name="position"/> of <paramref name="json"/>, the one after
    /// <paramref name="previous"/> tried first, with <paramref name="position"/> moved past the name and the field added
    /// to <paramref name="seen"/> (one bit per field, at most 64); -1 for none, or for a field seen before.
    /// </summary>
    public int MatchNext(ReadOnlySpan<byte> json, ref int position, ref ulong seen, int previous)
    {
        var index = Match(json[position..], previous + 1);
        if (index < 0 || (seen & (1UL << index)) != 0)
        {
            return -1;
        }
        seen |= 1UL << index;
        position += PrefixLength(index);
        return index;
    }

    /// <summary>
    /// What follows a value ending at <paramref name="position"/>: <see cref="FlatObjectStep.Next"/> for a comma (with
    /// <paramref name="position"/> moved past it), <see cref="FlatObjectStep.End"/> for the closing brace as the last
    /// byte, <see cref="FlatObjectStep.Decline"/> for anything else.
    /// </summary>
    public static FlatObjectStep AfterValue(ReadOnlySpan<byte> json, ref int position)
    {
        if (position >= json.Length)
        {
            return FlatObjectStep.Decline;
        }
        if (json[position] == '}')
        {
            return position == json.Length - 1 ? FlatObjectStep.End : FlatObjectStep.Decline;
        }
        if (json[position] != ',')
        {
            return FlatObjectStep.Decline;
        }
        position++;
        return FlatObjectStep.Next;
    }
}

/// <summary>What follows a value in a flat object read from its bytes.</summary>
public enum FlatObjectStep
{
    Decline,
    Next,
    End,
}
