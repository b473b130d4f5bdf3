using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// Producers as a careful client writes them: each sends numbered batches to one stream, one at a time, every
/// batch with its own Idempotency-Key, and retries a batch with the same key until it gets an answer, whatever
/// went wrong (connection refused or reset, 503). They run until told to stop, then <see cref="VerifyAsync"/>
/// checks that the stream holds every batch exactly once, where its answer said, in each writer's order.
/// </summary>
internal sealed class RetryingWriters(Func<HttpClient> client, string stream, int writers, int eventsPerBatch)
{
    private readonly ConcurrentDictionary<(int Writer, int Batch), (long First, long Last)> answers = new();
    private readonly ConcurrentDictionary<int, int> statuses = new();
    private int unanswered;
    private int replayedAfterLoss;
    private int retryAfterMissing;

    /// <summary>Requests whose answer never came (the connection failed mid-request or was refused).</summary>
    public int Unanswered => Volatile.Read(ref unanswered);

    /// <summary>Retries answered <c>Idempotent-Replayed</c>: their first try had committed although its answer was lost.</summary>
    public int ReplayedAfterLoss => Volatile.Read(ref replayedAfterLoss);

    public int Acknowledged => answers.Count;

    /// <summary>How many answers of each HTTP status the writers got (retries included).</summary>
    public IReadOnlyDictionary<int, int> Statuses => statuses;

    /// <summary>503 answers that came without a Retry-After header.</summary>
    public int RetryAfterMissing => Volatile.Read(ref retryAfterMissing);

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriteAsync(w, stop), CancellationToken.None)));

    private async Task WriteAsync(int writer, CancellationToken stop)
    {
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var body = Body(writer, batch);
            var lost = false;
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events");
                    request.Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
                    request.Headers.Add("Idempotency-Key", $"w{writer}-b{batch}");
                    // A batch once started is retried to the end even after stop: stop only means "start no new batch".
                    using var response = await client().SendAsync(request, CancellationToken.None);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
                        answers[(writer, batch)] = (answer.GetProperty("firstOffset").GetInt64(), answer.GetProperty("lastOffset").GetInt64());
                        if (lost && response.Headers.Contains("Idempotent-Replayed"))
                        {
                            Interlocked.Increment(ref replayedAfterLoss);
                        }
                        break;
                    }
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        if (response.Headers.RetryAfter is null)
                        {
                            Interlocked.Increment(ref retryAfterMissing);
                        }
                        // The client's back-off, as Retry-After asks (shortened: the test waits for nothing else).
                        await Task.Delay(20, CancellationToken.None);
                        continue;
                    }
                    Assert.Fail($"writer {writer} batch {batch}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    lost = true;
                    Interlocked.Increment(ref unanswered);
                    // The service is down or restarting: back off and retry with the same key.
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }

    private string Body(int writer, int batch)
    {
        var text = new StringBuilder();
        for (var e = 0; e < eventsPerBatch; e++)
        {
            text.Append($$"""{"w":{{writer}},"b":{{batch}},"e":{{e}}}""").Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The stream holds each acknowledged batch exactly once, at the offsets its answer gave, whole and in order.</summary>
    public async Task VerifyAsync()
    {
        var events = new List<(int W, int B, int E)>();
        for (var from = 0L; ;)
        {
            var page = await client().GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/events?from={from}&limit=10000");
            var items = page.GetProperty("events").EnumerateArray().ToList();
            foreach (var item in items)
            {
                Assert.Equal(events.Count, item.GetProperty("offset").GetInt64());
                var data = item.GetProperty("data");
                events.Add((data.GetProperty("w").GetInt32(), data.GetProperty("b").GetInt32(), data.GetProperty("e").GetInt32()));
            }
            if (items.Count == 0)
            {
                break;
            }
            from = events.Count;
        }
        Assert.Equal(answers.Count * eventsPerBatch, events.Count);
        foreach (var ((writer, batch), (first, last)) in answers)
        {
            Assert.Equal(eventsPerBatch - 1, last - first);
            for (var e = 0; e < eventsPerBatch; e++)
            {
                Assert.Equal((writer, batch, e), events[(int)first + e]);
            }
        }
        // Each writer's batches follow one another in the stream as the writer sent them (every one acknowledged before the next).
        foreach (var perWriter in answers.GroupBy(a => a.Key.Writer))
        {
            var ordered = perWriter.OrderBy(a => a.Key.Batch).Select(a => a.Value.First).ToList();
            Assert.Equal(ordered.Order(), ordered);
            Assert.Equal(Enumerable.Range(0, ordered.Count), perWriter.Select(a => a.Key.Batch).Order());
        }
    }
}
