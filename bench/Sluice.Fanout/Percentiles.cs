namespace Sluice.Fanout;

public static class Percentiles
{
    /// <summary>The nearest-rank percentile of sorted values (as load.mjs computes it); NaN when there are none.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
