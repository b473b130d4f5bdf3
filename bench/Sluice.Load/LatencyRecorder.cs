namespace Sluice.Load;

/// <summary>Collects request latencies from many workers; percentiles are computed once at the end.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double>[] perWorker;

    public LatencyRecorder(int workers) => perWorker = Enumerable.Range(0, workers).Select(_ => new List<double>(1 << 16)).ToArray();

    public void Record(int worker, double milliseconds) => perWorker[worker].Add(milliseconds);

    public long Count => perWorker.Sum(l => (long)l.Count);

    public double Percentile(double p)
    {
        var all = perWorker.SelectMany(l => l).ToArray();
        if (all.Length == 0)
        {
            return double.NaN;
        }
        Array.Sort(all);
        return all[Math.Min(all.Length - 1, (int)Math.Ceiling(p / 100 * all.Length) - 1)];
    }
}
