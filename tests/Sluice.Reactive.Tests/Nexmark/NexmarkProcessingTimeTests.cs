using Microsoft.Extensions.Time.Testing;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Reactive.Tests.Nexmark;

/// <summary>
/// q12 counts bids per bidder in 10 s windows of processing time. Its output depends on when events are processed,
/// so the test scripts the clock: the i-th event is processed at noon + 3 ms × i (not its event time), and the
/// reference computes the windows from the same script.
/// </summary>
public sealed class NexmarkProcessingTimeTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static DateTime ProcessedAt(int index) => Noon.UtcDateTime.AddMilliseconds(3 * index);

    [Fact]
    public void Q12_counts_bids_per_bidder_in_windows_of_a_scripted_processing_time_closed_by_the_clock()
    {
        var events = NexmarkTestEvents.Events;
        var expected = ResultRows.Of(NexmarkReference.Q12(events, ProcessedAt));
        Assert.True(expected.Count > 100, "the reference produced too few rows; the test would prove little");
        var time = new FakeTimeProvider(Noon);
        var clock = new ProcessingTimeClock(time);
        var query = QueryCompiler.Compile(NexmarkQueries.Q12, NexmarkStreamShapes.Instance);
        Assert.True(query.UsesProcessingTime);

        string? beforeCompletion = null;
        var actual = NexmarkPipeline.Run(query, events, clock,
            beforeEvent: i =>
            {
                time.SetUtcNow(ProcessedAt(i));
                clock.Fire();
            },
            beforeCompletion: result =>
            {
                // With no more input, the clock alone closes the last window once it passes the window's end.
                time.Advance(TimeSpan.FromSeconds(10));
                clock.Fire();
                beforeCompletion = ResultRows.Difference(expected, result);
            });

        Assert.True(beforeCompletion is null, $"q12 before its inputs completed differs from the reference:{Environment.NewLine}{beforeCompletion}");
        var difference = ResultRows.Difference(expected, actual);
        Assert.True(difference is null, $"q12 differs from the reference:{Environment.NewLine}{difference}");
    }
}
