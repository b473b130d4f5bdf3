using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Api.Tests.Nexmark;

/// <summary>What the real-process tests (crash recovery, cluster failover) compare a query's output stream with, and how.</summary>
internal static class NexmarkReferenceOutput
{
    /// <summary>One event per stream an hour after <paramref name="last"/>: moves every watermark past every window, joins or groups with nothing.</summary>
    public static IEnumerable<NexmarkEvent> WatermarkAdvancers(DateTime last)
    {
        yield return new Person(1, "Nobody Here", "n@h.com", "0000 0000 0000 0000", "Kent", "wa", last, "");
        yield return new Auction(1, "none", "none", 1, 2, last, last.AddSeconds(1), 2, 99, "");
        yield return new Bid(1, 1, 1, "none", "none", last, "");
    }

    /// <summary>Reads the output stream (applying <c>op</c>) until it equals <paramref name="expected"/>; the difference when time runs out, null when equal.</summary>
    public static async Task<string?> WaitForReferenceAsync(HttpClient http, string name, ResultRows expected, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var actual = new ResultRows();
            var failures = new List<string>();
            var next = 0L;
            while (true)
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/events?from={next}&limit=10000");
                var rows = page.GetProperty("events").EnumerateArray().ToList();
                foreach (var data in rows.Select(e => e.GetProperty("data")))
                {
                    var key = ResultRows.JsonKey(data.EnumerateObject().Where(p => p.Name != "op").Select(p => p.Value));
                    if (data.TryGetProperty("op", out var op) && op.GetString() == "-")
                    {
                        if (!actual.RemoveKey(key))
                        {
                            failures.Add("retraction of a row that is not in the result (a duplicate '-'): " + key);
                        }
                    }
                    else
                    {
                        actual.AddKey(key);
                    }
                }
                next = page.GetProperty("nextOffset").GetInt64();
                if (rows.Count == 0)
                {
                    break;
                }
            }
            if (failures.Count > 0)
            {
                return string.Join(Environment.NewLine, failures.Take(10));
            }
            var difference = ResultRows.Difference(expected, actual);
            if (difference is null)
            {
                return null;
            }
            if (watch.Elapsed > timeout)
            {
                return difference + Environment.NewLine + "query: " + await http.GetStringAsync($"/api/queries/{name}");
            }
            // Rows are still to come: read again once the output has grown.
            await OutputGrowth.WaitAsync(http, name, next, watch, timeout);
        }
    }
}
