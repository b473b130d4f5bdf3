using System.Diagnostics;
using System.Numerics;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// A bounded latency histogram for p50/p99: nanosecond values in log buckets, eight per power of two
/// (so a percentile is off by at most 1/16 of its value), 512 counters in all, no allocation per record.
/// Two generations rotate every <see cref="Generation"/>, so percentiles describe the last one to two
/// minutes rather than the query's whole life. One writer (the query's driver), any number of readers.
/// </summary>
public sealed class LatencyHistogram
{
    public static readonly TimeSpan Generation = TimeSpan.FromMinutes(1);

    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int BucketCount = 64 * SubBuckets;

    private long[] current = new long[BucketCount];
    private long[] previous = new long[BucketCount];
    private long generationStarted = Stopwatch.GetTimestamp();

    /// <summary>Records <paramref name="count"/> samples of <paramref name="nanoseconds"/> each.</summary>
    public void Record(long nanoseconds, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }
        Interlocked.Add(ref current[IndexOf(Math.Max(0, nanoseconds))], count);
    }

    /// <summary>Records a <see cref="Stopwatch"/> interval, divided evenly over <paramref name="count"/> events.</summary>
    public void RecordElapsed(long startTimestamp, long endTimestamp, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }
        var nanoseconds = (long)((endTimestamp - startTimestamp) * NanosecondsPerTick / count);
        Record(nanoseconds, count);
    }

    public static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Starts a new generation when the current one is older than <see cref="Generation"/>; called by the writer.</summary>
    public void Rotate(long nowTimestamp)
    {
        if (Stopwatch.GetElapsedTime(generationStarted, nowTimestamp) < Generation)
        {
            return;
        }
        generationStarted = nowTimestamp;
        Volatile.Write(ref previous, Volatile.Read(ref current));
        Volatile.Write(ref current, new long[BucketCount]);
    }

    /// <summary>The <paramref name="quantile"/> (0..1) in milliseconds, or null when nothing was recorded.</summary>
    public double? Percentile(double quantile)
    {
        var a = Volatile.Read(ref current);
        var b = Volatile.Read(ref previous);
        var counts = new long[BucketCount];
        long total = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] = Volatile.Read(ref a[i]) + (ReferenceEquals(a, b) ? 0 : Volatile.Read(ref b[i]));
            total += counts[i];
        }
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(quantile, 0, 1) * total));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(Midpoint(i) / 1e6, 6);
            }
        }
        return Math.Round(Midpoint(BucketCount - 1) / 1e6, 6);
    }

    internal static int IndexOf(long nanoseconds)
    {
        if (nanoseconds < SubBuckets)
        {
            return (int)nanoseconds;
        }
        var octave = 63 - BitOperations.LeadingZeroCount((ulong)nanoseconds);
        var sub = (int)(nanoseconds >> (octave - SubBucketBits)) & (SubBuckets - 1);
        return (octave - SubBucketBits + 1) * SubBuckets + sub;
    }

    internal static double LowerBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }
        var octave = index / SubBuckets + SubBucketBits - 1;
        var sub = index % SubBuckets;
        return (double)(SubBuckets + sub) * Math.Pow(2, octave - SubBucketBits);
    }

    private static double Midpoint(int index) =>
        index < SubBuckets ? index : (LowerBound(index) + LowerBound(index + 1)) / 2;
}
