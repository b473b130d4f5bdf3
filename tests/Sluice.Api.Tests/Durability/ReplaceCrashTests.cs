using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Postgres;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Durability;

/// <summary>The real service, SIGKILLed while a replaced query rebuilds its output (SPEC §7): it comes back as the new query, exactly once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplaceCrashTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Events = 10_000;
    private const string Old = "SELECT k, v FROM a WHERE v > 3";
    private const string New = "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k";

    // A start recovers every query before Kestrel listens: generous for a slow machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_service_killed_during_a_backfill_comes_back_as_the_new_query_and_its_output_after_reset_equals_a_fresh_registration()
    {
        var database = await server.CreateDatabaseAsync(nameof(ReplaceCrashTests));
        await using var service = new ServiceProcess(database);
        await service.StartListeningAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        await SucceedAsync(http.PostAsJsonAsync("/api/streams", new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } }));
        for (var first = 0; first < Events; first += 2_000)
        {
            var lines = string.Join('\n', Enumerable.Range(first, 2_000).Select(i => $$"""{"k":{{i % 50}},"v":{{i % 7}}}"""));
            await SucceedAsync(http.PostAsync("/api/streams/a/events", new StringContent(lines, Encoding.UTF8, "application/x-ndjson")));
        }
        await SucceedAsync(http.PostAsJsonAsync("/api/queries", new { name = "swapped", sql = Old }));
        await WaitUntilReadAsync(http, "swapped", Events);

        using var replace = await http.PutAsJsonAsync("/api/queries/swapped", new { sql = New });
        Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        var outputStart = (await replace.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputStart").GetInt64();
        // Killed at once, before the backfill of 10,000 events has written its first rows (the test output shows its progress then),
        // and again once the resumed run has written some: recovery must then skip exactly the rows the output already holds.
        output.WriteLine($"backfill before the first kill: {await BackfillAsync(http)}");
        await service.KillAsync();
        await service.StartListeningAsync(StartTimeout);
        await Eventually.UntilAsync(() => HeadAsync(http, "swapped"), head => head > outputStart + 100, "rows of the resumed backfill", TimeSpan.FromSeconds(60));
        output.WriteLine($"backfill before the second kill: {await BackfillAsync(http)}");
        await service.KillAsync();
        await service.StartListeningAsync(StartTimeout);

        var back = await http.GetFromJsonAsync<JsonElement>("/api/queries/swapped");
        Assert.Equal(New, back.GetProperty("sql").GetString());
        Assert.Equal(outputStart, back.GetProperty("outputStart").GetInt64());
        await WaitUntilReadAsync(http, "swapped", Events);
        var state = (await http.GetFromJsonAsync<JsonElement>("/api/queries/swapped")).GetProperty("state").GetString();
        Assert.True(state == "running", $"the replaced query is {state} after the kills:\n{service.RecentLog}");
        await SucceedAsync(http.PostAsJsonAsync("/api/queries", new { name = "fresh", sql = New }));
        await WaitUntilReadAsync(http, "fresh", Events);

        var fresh = await ReadAllAsync(http, "fresh", 0);
        var swapped = await ReadAllAsync(http, "swapped", outputStart - 1);
        Assert.Equal("""{"op":"reset"}""", swapped[0]);
        Assert.Equal(fresh.Count, swapped.Count - 1);
        Assert.Equal(fresh, swapped.Skip(1));
    }

    private static async Task SucceedAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> BackfillAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/queries/swapped")).GetProperty("backfill").GetRawText();

    private static async Task<long> HeadAsync(HttpClient http, string stream) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}")).GetProperty("headOffset").GetInt64();

    private static Task WaitUntilReadAsync(HttpClient http, string query, long events) =>
        Eventually.UntilAsync(
            () => http.GetFromJsonAsync<JsonElement>($"/api/queries/{query}"),
            q => q.GetProperty("state").GetString() != "running" || q.GetProperty("metrics").GetProperty("inputs")[0].GetProperty("offset").GetInt64() >= events,
            $"'{query}' to read {events} events",
            TimeSpan.FromSeconds(120));

    private static async Task<List<string>> ReadAllAsync(HttpClient http, string stream, long from)
    {
        var rows = new List<string>();
        while (true)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/events?from={from}&limit=1000");
            rows.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetRawText()));
            from = page.GetProperty("nextOffset").GetInt64();
            if (from >= page.GetProperty("headOffset").GetInt64())
            {
                return rows;
            }
        }
    }
}
