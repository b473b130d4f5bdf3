using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Data.Streams;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Api.Tests.Nexmark;

/// <summary>
/// Drives a Nexmark query through the public API: creates person/auction/bid, registers the query with its
/// unchanged text, posts generated events as NDJSON in generation order (chunks of 1,000 events, one body
/// per stream), and reads the output stream back, applying <c>op</c> for changelog rows.
/// </summary>
internal sealed class NexmarkOverHttp(SluiceApp app)
{
    /// <summary>30,000 events at 1,000 per second of event time: 30 s, enough for q2's auction 2087 to exist.</summary>
    public static readonly NexmarkConfig Config = new() { Seed = 7, EventsPerSecond = 1_000 };

    private static readonly Lazy<List<NexmarkEvent>> SharedEvents = new(() => NexmarkGenerator.Generate(30_000, Config));

    public static IReadOnlyList<NexmarkEvent> Events => SharedEvents.Value;

    /// <summary>
    /// One event per stream an hour after the last one: it moves every watermark past every window of
    /// <see cref="Events"/>, so all of them are emitted, and it joins or groups with nothing from them.
    /// </summary>
    public static IReadOnlyList<NexmarkEvent> WatermarkAdvancers => [.. NexmarkReferenceOutput.WatermarkAdvancers(Events[^1].DateTime.AddHours(1))];

    public async Task CreateStreamsAsync()
    {
        foreach (var definition in NexmarkStreams.Definitions())
        {
            await app.CreateStreamOrFailAsync(definition);
        }
    }

    public async Task RegisterAsync(string name, string sql)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name, sql });
        Assert.True(response.IsSuccessStatusCode, $"registering {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task PostAsync(IReadOnlyList<NexmarkEvent> events)
    {
        using var client = app.CreateClient();
        foreach (var (stream, body, _) in NexmarkJson.Batches(events, 1_000))
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await client.PostAsync($"/api/streams/{stream}/events", content);
            Assert.True(response.IsSuccessStatusCode, $"appending to {stream} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// Reads the output stream until its rows equal <paramref name="expected"/> or <paramref name="timeout"/> passes;
    /// returns the difference (null when equal) with the query's description appended when they differ.
    /// </summary>
    public async Task<string?> WaitForResultAsync(string name, ResultRows expected, TimeSpan timeout)
    {
        using var client = app.CreateClient();
        var actual = new ResultRows();
        var failures = new List<string>();
        var next = 0L;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync($"/api/streams/{name}/events?from={next}&limit=10000");
            Assert.True(response.IsSuccessStatusCode, $"reading {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var e in page.GetProperty("events").EnumerateArray())
            {
                var data = e.GetProperty("data");
                var key = ResultRows.JsonKey(data.EnumerateObject().Where(p => p.Name != "op").Select(p => p.Value));
                if (data.TryGetProperty("op", out var op) && op.GetString() == "-")
                {
                    if (!actual.RemoveKey(key))
                    {
                        failures.Add("retraction of a row that is not in the result: " + key);
                    }
                }
                else
                {
                    actual.AddKey(key);
                }
            }
            var caughtUp = page.GetProperty("nextOffset").GetInt64() == next;
            next = page.GetProperty("nextOffset").GetInt64();
            var difference = ResultRows.Difference(expected, actual);
            if (failures.Count > 0)
            {
                return string.Join(Environment.NewLine, failures.Take(10));
            }
            if (difference is null)
            {
                return null;
            }
            if (caughtUp && watch.Elapsed > timeout)
            {
                using var described = await client.GetAsync($"/api/queries/{name}");
                return difference + Environment.NewLine + "query: " + await described.Content.ReadAsStringAsync();
            }
            if (caughtUp)
            {
                await WaitForOutputAsync(name, next, timeout - watch.Elapsed);
            }
        }
    }

    /// <summary>Waits on the output stream's tail (no polling) until offset <paramref name="offset"/> exists or the time left runs out.</summary>
    private async Task WaitForOutputAsync(string name, long offset, TimeSpan left)
    {
        if (app.Services.GetRequiredService<StreamStore>().Find(name) is not { } output || left <= TimeSpan.Zero)
        {
            return;
        }
        using var deadline = new CancellationTokenSource(left);
        try
        {
            await output.WaitForOffsetAsync(offset, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Out of time: the caller reports the difference it still sees.
        }
    }
}
