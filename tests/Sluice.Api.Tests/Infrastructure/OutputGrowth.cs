using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>Waits for a stream to hold more events than a reader has seen: the condition a re-read of it waits on.</summary>
internal static class OutputGrowth
{
    /// <summary>Returns once stream <paramref name="name"/> holds more than <paramref name="read"/> events, or when <paramref name="timeout"/> (measured by <paramref name="watch"/>) has passed.</summary>
    public static async Task WaitAsync(HttpClient http, string name, long read, Stopwatch watch, TimeSpan timeout)
    {
        while (watch.Elapsed <= timeout)
        {
            var info = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
            if (info.GetProperty("headOffset").GetInt64() > read)
            {
                return;
            }
            await Task.Delay(5);
        }
    }
}
