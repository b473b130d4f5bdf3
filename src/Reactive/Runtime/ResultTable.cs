using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// The current result of an updating query: its changelog applied in order. A <c>+</c> row adds one
/// copy of the row, a <c>-</c> row removes one identical copy (rows compare by value). Written by the
/// query's driver after each appended batch, read by <c>GET /api/queries/{name}/results</c>.
/// </summary>
public sealed class ResultTable
{
    private readonly Dictionary<object?[], long> rows = new(RowComparer.Instance);
    private readonly Lock gate = new();
    private long unmatchedRetractions;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return rows.Count;
            }
        }
    }

    /// <summary><c>-</c> rows that matched no current row; non-zero means the engine's changelog was inconsistent.</summary>
    public long UnmatchedRetractions => Interlocked.Read(ref unmatchedRetractions);

    public void Apply(IReadOnlyList<OutputRow> changes)
    {
        lock (gate)
        {
            foreach (var change in changes)
            {
                if (change.Op == ChangeOp.Insert)
                {
                    rows[change.Values] = rows.GetValueOrDefault(change.Values) + 1;
                }
                else if (rows.TryGetValue(change.Values, out var copies))
                {
                    if (copies <= 1)
                    {
                        rows.Remove(change.Values);
                    }
                    else
                    {
                        rows[change.Values] = copies - 1;
                    }
                }
                else
                {
                    unmatchedRetractions++;
                }
            }
        }
    }

    /// <summary>Up to <paramref name="limit"/> current rows (a row held twice appears twice) and the total.</summary>
    public (IReadOnlyList<object?[]> Rows, long Total) Snapshot(int limit)
    {
        lock (gate)
        {
            var result = new List<object?[]>(Math.Min(limit, rows.Count));
            long total = 0;
            foreach (var (row, copies) in rows)
            {
                total += copies;
                for (var i = 0; i < copies && result.Count < limit; i++)
                {
                    result.Add(row);
                }
            }
            return (result, total);
        }
    }
}
