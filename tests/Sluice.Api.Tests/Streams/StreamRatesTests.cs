using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sluice.Api.Streams;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Streams;

/// <summary>The events/s the API reports per stream: the growth of its head over the last five one-second samples.</summary>
public sealed class StreamRatesTests
{
    [Fact]
    public async Task The_rate_is_the_head_growth_over_the_last_five_seconds_of_samples()
    {
        await using var app = new SluiceApp();
        await app.CreateStreamOrFailAsync(new { name = "rated" });
        var time = new FakeTimeProvider();
        var rates = new StreamRates(app.Services.GetRequiredService<StreamStore>(), time);

        rates.Sample();
        Assert.Null(rates.EventsPerSecond("rated")); // one sample: no rate yet

        await AppendAsync(app, 10);
        time.Advance(TimeSpan.FromSeconds(1));
        rates.Sample();
        Assert.Equal(10, rates.EventsPerSecond("rated"));

        // Two events a second from now on: once the burst has left the five-second window, the rate is 2.
        for (var second = 0; second < 5; second++)
        {
            await AppendAsync(app, 2);
            time.Advance(TimeSpan.FromSeconds(1));
            rates.Sample();
        }
        Assert.Equal(2, rates.EventsPerSecond("rated"));
        Assert.Null(rates.EventsPerSecond("no_such_stream"));

        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/streams/rated")).StatusCode);
        rates.Sample();
        Assert.Null(rates.EventsPerSecond("rated"));
    }

    private static async Task AppendAsync(SluiceApp app, int count)
    {
        var body = string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"i":{{i}}}"""));
        using var response = await app.AppendAsync("rated", body, "application/x-ndjson");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
