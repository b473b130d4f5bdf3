using System.Diagnostics;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Queries;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void An_empty_histogram_has_no_percentiles()
    {
        Assert.Null(new LatencyHistogram().Percentile(0.5));
    }

    [Fact]
    public void Percentiles_are_within_the_bucket_resolution()
    {
        var histogram = new LatencyHistogram();
        for (var microseconds = 1; microseconds <= 1000; microseconds++)
        {
            histogram.Record(microseconds * 1000L);
        }

        // 1..1000 µs uniformly: p50 ≈ 0.5 ms, p99 ≈ 0.99 ms, each within 1/16 of its value.
        Assert.InRange(histogram.Percentile(0.50)!.Value, 0.500 * (1 - 1.0 / 16), 0.500 * (1 + 1.0 / 16));
        Assert.InRange(histogram.Percentile(0.99)!.Value, 0.990 * (1 - 1.0 / 16), 0.990 * (1 + 1.0 / 16));
    }

    [Fact]
    public void A_weighted_record_counts_as_that_many_samples()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1_000, count: 99);
        histogram.Record(1_000_000, count: 1);

        Assert.True(histogram.Percentile(0.99) < 0.0011);
        Assert.True(histogram.Percentile(1.0) > 0.9);
    }

    [Fact]
    public void Elapsed_time_is_spread_over_the_events_of_a_batch()
    {
        var histogram = new LatencyHistogram();
        var start = Stopwatch.GetTimestamp();

        histogram.RecordElapsed(start, start + Stopwatch.Frequency / 1000 * 10, count: 10);

        Assert.InRange(histogram.Percentile(0.5)!.Value, 1.0 * (1 - 1.0 / 16), 1.0 * (1 + 1.0 / 16));
    }

    [Fact]
    public void Percentiles_forget_samples_two_generations_old()
    {
        var histogram = new LatencyHistogram();
        var now = Stopwatch.GetTimestamp();
        histogram.Record(5_000_000);
        var generation = (long)(LatencyHistogram.Generation.TotalSeconds * Stopwatch.Frequency) + 1;

        histogram.Rotate(now + generation);
        Assert.NotNull(histogram.Percentile(0.5));
        histogram.Rotate(now + 2 * generation + 1);
        Assert.Null(histogram.Percentile(0.5));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(8L)]
    [InlineData(1_000L)]
    [InlineData(123_456_789L)]
    [InlineData(long.MaxValue)]
    public void Every_value_lands_in_a_bucket_whose_bounds_hold_it(long nanoseconds)
    {
        var index = LatencyHistogram.IndexOf(nanoseconds);

        Assert.InRange(index, 0, 511);
        Assert.True(LatencyHistogram.LowerBound(index) <= nanoseconds);
        Assert.True(LatencyHistogram.LowerBound(index + 1) > nanoseconds || nanoseconds == long.MaxValue);
    }
}
