namespace Sluice.Reactive.Operators;

/// <summary>Builds joined rows: left columns, then right columns (NULLs for a missing side).</summary>
internal sealed class JoinRows(int leftWidth, int rightWidth)
{
    private readonly object?[] scratch = new object?[leftWidth + rightWidth];

    /// <summary>Fills a reused buffer for evaluating the join condition without allocating (the condition is only
    /// evaluated for a pair of rows, never for a padded one).</summary>
    public object?[] Scratch(object?[] left, object?[] right)
    {
        Array.Copy(left, scratch, leftWidth);
        Array.Copy(right, 0, scratch, leftWidth, rightWidth);
        return scratch;
    }

    public object?[] Combine(object?[]? left, object?[]? right)
    {
        var row = new object?[leftWidth + rightWidth];
        if (left is not null) Array.Copy(left, row, leftWidth);
        if (right is not null) Array.Copy(right, 0, row, leftWidth, rightWidth);
        return row;
    }
}
