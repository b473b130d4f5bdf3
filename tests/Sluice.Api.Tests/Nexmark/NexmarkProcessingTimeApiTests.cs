using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Nexmark;

/// <summary>
/// q12 through the HTTP API on a service whose clock is fake: the bids of the first half are processed at noon,
/// the clock moves 10 s (which alone closes the noon window), the rest are processed at 12:00:10, the clock moves
/// again. The reference computes the windows from the same script.
/// </summary>
public sealed class NexmarkProcessingTimeApiTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider clock = new(Noon);
    private readonly FakeClockApp app;

    public NexmarkProcessingTimeApiTests() => app = new FakeClockApp(clock);

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task Q12_over_http_counts_bids_per_bidder_in_windows_the_service_clock_closes()
    {
        var events = NexmarkOverHttp.Events;
        var half = events.Count / 2;
        var expected = ResultRows.Of(NexmarkReference.Q12(events, i => i < half ? Noon.UtcDateTime : Noon.UtcDateTime.AddSeconds(10)));
        var http = new NexmarkOverHttp(app);
        await http.CreateStreamsAsync();
        await http.RegisterAsync("q12", NexmarkQueries.Q12);

        var bids = 0L;
        foreach (var part in new[] { events.Take(half).ToList(), events.Skip(half).ToList() })
        {
            await http.PostAsync(part);
            bids += part.OfType<Bid>().Count();
            await WaitForEventsInAsync("q12", bids);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        var difference = await http.WaitForResultAsync("q12", expected, Patience);
        Assert.True(difference is null, $"q12 over HTTP differs from the reference:{Environment.NewLine}{difference}");
    }

    /// <summary>Waits until the query has processed <paramref name="count"/> events, so they carry the clock's current time.</summary>
    private async Task WaitForEventsInAsync(string name, long count)
    {
        var run = app.Services.GetRequiredService<QueryRegistry>().Find(name)?.Run;
        Assert.NotNull(run);
        var watch = Stopwatch.StartNew();
        while (run.EventsIn < count)
        {
            Assert.True(watch.Elapsed < Patience, $"{name} processed {run.EventsIn} of {count} events in {Patience}");
            Assert.Null(run.Error);
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System);
        }
        Assert.Equal(count, run.EventsIn);
    }
}
