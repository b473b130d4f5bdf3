using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Sluice.Fanout;

/// <summary>
/// POSTs <c>total</c> events <c>{"i":n,"t":sentAtMs}</c> one per request at <c>rate</c>/s, at most 256 in flight. The
/// schedule runs on a thread of its own, so thousands of receive loops on the thread pool do not delay it.
/// </summary>
public static class Pacer
{
    public sealed record Result(double AchievedRate, double Seconds, double PostP50Ms, double PostP99Ms);

    public static Task<Result> RunAsync(HttpClient http, string stream, int rate, int total) =>
        Task.Factory.StartNew(() => Run(http, stream, rate, total), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Result Run(HttpClient http, string stream, int rate, int total)
    {
        var path = $"/api/streams/{Uri.EscapeDataString(stream)}/events";
        var json = new MediaTypeHeaderValue("application/json");
        var postMs = new double[total];
        var posts = new Task[total];
        using var inFlight = new SemaphoreSlim(256);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var wait = i * 1000.0 / rate - Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (wait > 1)
            {
                // The rate is the scenario: the pacer keeps its schedule by the clock (on its own thread, see above).
                Thread.Sleep(TimeSpan.FromMilliseconds(wait));
            }
            inFlight.Wait();
            posts[i] = PostAsync(i);
        }
        Task.WaitAll(posts);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Array.Sort(postMs);
        return new Result(total / seconds, seconds, Percentiles.Of(postMs, 50), Percentiles.Of(postMs, 99));

        async Task PostAsync(int i)
        {
            try
            {
                var sentAt = FanoutClock.NowMs();
                var body = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"i\":{i},\"t\":{sentAt:F3}}}")));
                body.Headers.ContentType = json;
                using var response = await http.PostAsync(path, body);
                response.EnsureSuccessStatusCode();
                postMs[i] = FanoutClock.NowMs() - sentAt;
            }
            finally
            {
                inFlight.Release();
            }
        }
    }
}
