using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sluice.Api.Queries;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Queries;

/// <summary>
/// A query's metrics over time (GET /api/queries/{name} → metricsHistory): per-second samples taken by the server,
/// as rates of its counters and the watermark's lag behind the wall clock.
/// </summary>
public sealed class QueryMetricsHistoryTests
{
    [Fact]
    public async Task Each_point_is_the_counters_growth_per_second_and_the_watermark_lag_at_its_sample()
    {
        await using var app = new SluiceApp();
        await app.CreateStreamOrFailAsync(new { name = "ticks", timestampField = "at", watermarkDelay = "1s" });
        using var client = app.CreateClient();
        using (var created = await client.PostAsJsonAsync("/api/queries", new { name = "tick_values", sql = "SELECT v FROM ticks WHERE v > 0" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var registry = app.Services.GetRequiredService<QueryRegistry>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var history = new QueryMetricsHistory(registry, time);

        history.Take();
        Assert.Empty(history.For("tick_values")!.Points); // one sample: no interval yet
        Assert.Null(history.For("no_such_query"));

        // 20 events over two seconds, half of them passing the filter; event time 10 s behind the fake wall clock.
        await AppendAsync(app, 12, time.GetUtcNow().AddSeconds(-10));
        await WaitForEventsInAsync(registry, 12, rows: 6);
        time.Advance(TimeSpan.FromSeconds(1));
        history.Take();
        await AppendAsync(app, 8, time.GetUtcNow().AddSeconds(-10));
        await WaitForEventsInAsync(registry, 20, rows: 10);
        time.Advance(TimeSpan.FromSeconds(2));
        history.Take();

        var points = history.For("tick_values")!.Points;
        Assert.Equal(2, points.Count);
        Assert.Equal(12, points[0].EventsInPerSecond);
        Assert.Equal(6, points[0].RowsOutPerSecond);
        Assert.Equal(4, points[1].EventsInPerSecond); // 8 events over 2 s
        Assert.Equal(2, points[1].RowsOutPerSecond);
        Assert.Equal(0, points[1].LateEventsPerSecond);
        Assert.Equal(time.GetUtcNow(), points[1].At);
        // The watermark is the last event time (10 s before the clock at the first sample, advanced since) minus 1 s.
        Assert.InRange(points[1].WatermarkLagSeconds!.Value, 12.9, 13.1);

        // Stop and start: a new run restarts the counters, so the interval across it has no rates, the next has.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/queries/tick_values/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/queries/tick_values/start", null)).StatusCode);
        await WaitForEventsInAsync(registry, 20, rows: 10);
        time.Advance(TimeSpan.FromSeconds(1));
        history.Take();
        time.Advance(TimeSpan.FromSeconds(1));
        history.Take();
        points = history.For("tick_values")!.Points;
        Assert.Null(points[2].EventsInPerSecond);
        Assert.Equal(0, points[3].EventsInPerSecond);

        // A deleted query's series goes with it.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/queries/tick_values")).StatusCode);
        history.Take();
        Assert.Null(history.For("tick_values"));
    }

    [Fact]
    public async Task The_series_keep_five_minutes_of_samples()
    {
        await using var app = new SluiceApp();
        await app.CreateStreamOrFailAsync(new { name = "quiet", schema = new Dictionary<string, string> { ["v"] = "bigint" } });
        using var client = app.CreateClient();
        using (var created = await client.PostAsJsonAsync("/api/queries", new { name = "quiet_copy", sql = "SELECT v FROM quiet" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var time = new FakeTimeProvider();
        var history = new QueryMetricsHistory(app.Services.GetRequiredService<QueryRegistry>(), time);

        for (var second = 0; second < QueryMetricsHistory.Capacity + 50; second++)
        {
            history.Take();
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var points = history.For("quiet_copy")!.Points;
        Assert.Equal(QueryMetricsHistory.Capacity, points.Count);
        Assert.All(points, p => Assert.Equal(0, p.EventsInPerSecond));
        Assert.Null(points[^1].WatermarkLagSeconds); // no event, no watermark
    }

    [Fact]
    public async Task Get_query_carries_the_servers_samples_and_the_list_leaves_them_out()
    {
        await using var app = new SluiceApp();
        await app.CreateStreamOrFailAsync(new { name = "sampled", schema = new Dictionary<string, string> { ["v"] = "bigint" } });
        using var client = app.CreateClient();
        using (var created = await client.PostAsJsonAsync("/api/queries", new { name = "sampled_copy", sql = "SELECT v FROM sampled" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.False((await created.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("metricsHistory", out _));
        }
        // Before the sampler's next tick the series is there, empty (this also pins a race the first version of the test lost).
        var early = await client.GetFromJsonAsync<JsonElement>("/api/queries/sampled_copy");
        Assert.Equal(JsonValueKind.Array, early.GetProperty("metricsHistory").GetProperty("points").ValueKind);

        // The service's own sampler takes one sample a second: two samples make a point. (A sample taken while the query
        // was being registered, before its run existed, makes a first point without rates.)
        var query = await Eventually.UntilAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/queries/sampled_copy"),
            q => q.GetProperty("metricsHistory").GetProperty("points").EnumerateArray().Any(p => p.TryGetProperty("eventsInPerSecond", out _)),
            "a point with rates in the query's metrics history", TimeSpan.FromSeconds(30));
        var history = query.GetProperty("metricsHistory");
        Assert.Equal(1, history.GetProperty("intervalSeconds").GetInt32());
        var point = history.GetProperty("points").EnumerateArray().Last();
        Assert.Equal(0, point.GetProperty("eventsInPerSecond").GetDouble());
        Assert.True(point.TryGetProperty("at", out _));

        var list = await client.GetFromJsonAsync<JsonElement>("/api/queries");
        Assert.All(list.EnumerateArray(), q => Assert.False(q.TryGetProperty("metricsHistory", out _)));
    }

    private static async Task AppendAsync(SluiceApp app, int count, DateTimeOffset at)
    {
        // Every other event has v = 0 and does not pass the filter.
        var body = string.Join('\n', Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new { v = i % 2, at = at.ToString("O") })));
        using var response = await app.AppendAsync("ticks", body, "application/x-ndjson");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    // Rows are counted once appended, after the events that made them; the watermark moves with the output too.
    private static Task WaitForEventsInAsync(QueryRegistry registry, long count, long rows) =>
        Eventually.UntilAsync(
            () => registry.Find("tick_values")?.Run is { } run ? (run.EventsIn, run.RowsOut, run.Stats.Watermark) : (-1, -1, null),
            n => n.EventsIn >= count && n.RowsOut >= rows && n.Watermark is not null,
            $"{count} events in and {rows} rows out");
}
