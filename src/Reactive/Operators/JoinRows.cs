namespace Sluice.Reactive.Operators;

/// <summary>
/// Builds joined rows: left columns, then right columns (NULLs for a missing side); or, when the SELECT list above the
/// join only picks columns (<c>outputColumns</c>: for each output column, its index in that left-then-right
/// layout), the selected columns directly, so each joined row is built once instead of being built and then copied.
/// </summary>
internal sealed class JoinRows
{
    /// <summary>A block of output columns copied from consecutive columns of one side.</summary>
    private readonly record struct Run(bool FromLeft, int Source, int Target, int Length);

    private readonly int leftWidth;
    private readonly int rightWidth;
    private readonly object?[] scratch;
    private readonly int width;
    private readonly Run[] runs;

    public JoinRows(int leftWidth, int rightWidth, int[]? outputColumns = null)
    {
        this.leftWidth = leftWidth;
        this.rightWidth = rightWidth;
        scratch = new object?[leftWidth + rightWidth];
        outputColumns ??= [.. Enumerable.Range(0, leftWidth + rightWidth)];
        width = outputColumns.Length;
        var runs = new List<Run>();
        for (var i = 0; i < outputColumns.Length; i++)
        {
            var column = outputColumns[i];
            var fromLeft = column < leftWidth;
            var source = fromLeft ? column : column - leftWidth;
            // Output columns are taken in order, so the last run always ends at target i - 1: only the source must follow on.
            if (runs.Count > 0 && runs[^1] is var last && last.FromLeft == fromLeft && last.Source + last.Length == source)
            {
                runs[^1] = last with { Length = last.Length + 1 };
            }
            else runs.Add(new Run(fromLeft, source, i, 1));
        }
        this.runs = [.. runs];
    }

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
        var row = new object?[width];
        foreach (var run in runs)
        {
            var source = run.FromLeft ? left : right;
            if (source is null) continue; // the missing side of a padded row: NULLs
            if (run.Length == 1) row[run.Target] = source[run.Source];
            else Array.Copy(source, run.Source, row, run.Target, run.Length);
        }
        return row;
    }
}
