using System.Net;
using System.Text.Json;
using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests;

public sealed class QueriesClientTests(SluiceServer server) : IClassFixture<SluiceServer>
{
    private readonly SluiceClient client = server.NewClient();

    [Fact]
    public async Task Register_list_describe_results_stop_start_and_delete_a_query()
    {
        await client.CreateStreamAsync(new StreamDefinition("words"));
        await client.AppendAsync("words", new[] { new { word = "a" }, new { word = "b" }, new { word = "a" } });

        var registered = await client.RegisterQueryAsync("word_counts", "SELECT word, COUNT(*) AS n FROM words GROUP BY word");

        Assert.Equal("running", registered.State);
        Assert.True(registered.IsUpdating);
        Assert.Equal(["word", "n"], registered.OutputSchema.Select(c => c.Name));
        Assert.Equal(["words"], registered.Inputs);
        Assert.Contains(await client.ListQueriesAsync(), q => q.Name == "word_counts");
        await Eventually.UntilAsync(async () => (await client.GetQueryAsync("word_counts")).Metrics.EventsIn == 3, "the query read the three words");
        var results = await client.GetQueryResultsAsync("word_counts");
        Assert.Equal(2, results.Count);
        Assert.Equal(2, results.Rows.Single(r => r.GetProperty("word").GetString() == "a").GetProperty("n").GetInt64());

        Assert.Equal("stopped", (await client.StopQueryAsync("word_counts")).State);
        Assert.Equal("running", (await client.StartQueryAsync("word_counts")).State);
        await client.DeleteQueryAsync("word_counts");

        var gone = await Assert.ThrowsAsync<SluiceException>(() => client.GetQueryAsync("word_counts"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
    }

    [Fact]
    public async Task Validate_returns_the_schema_and_plan_and_a_bad_query_its_line_and_column()
    {
        await client.CreateStreamAsync(new StreamDefinition("bids"));

        var validation = await client.ValidateQueryAsync("SELECT auction, price FROM bids WHERE price > 10");

        Assert.False(validation.IsUpdating);
        Assert.Equal(["bids"], validation.Inputs);
        Assert.False(string.IsNullOrWhiteSpace(validation.Plan));

        var bad = await Assert.ThrowsAsync<SluiceException>(() => client.ValidateQueryAsync("SELECT auction\nFROM bids WHERE price >"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(2, bad.GetInt64("line"));
        Assert.NotNull(bad.GetInt64("column"));
    }

    [Fact]
    public async Task Preview_runs_the_query_on_the_given_events()
    {
        await client.CreateStreamAsync(new StreamDefinition("prices"));
        var events = new Dictionary<string, IReadOnlyList<JsonElement>>
        {
            ["prices"] = [Json("""{"item":"x","price":5}"""), Json("""{"item":"y","price":50}""")],
        };

        var preview = await client.PreviewQueryAsync("SELECT item FROM prices WHERE price > 10", events);

        Assert.Equal(2, preview.EventsIn);
        Assert.Equal("y", Assert.Single(preview.Rows).GetProperty("item").GetString());
        Assert.Equal(0, (await client.GetStreamAsync("prices")).Count);
    }

    [Fact]
    public async Task Replace_sends_the_new_sql_with_put_and_answers_the_new_definition()
    {
        var recorder = new RecordingHandler();
        using var http = new HttpClient(recorder);
        using var recorded = new SluiceClient(http, new SluiceClientOptions { BaseAddress = server.BaseAddress });
        await recorded.CreateStreamAsync(new StreamDefinition("temps"));
        await recorded.AppendAsync("temps", new[] { new { t = 31 }, new { t = 36 }, new { t = 40 } });
        await recorded.RegisterQueryAsync("hot", "SELECT * FROM temps WHERE t > 30", QueryStart.Latest);

        var replaced = await recorded.ReplaceQueryAsync("hot", "SELECT t FROM temps WHERE t > 35", QueryStart.Earliest);

        Assert.Equal("SELECT t FROM temps WHERE t > 35", replaced.Sql);
        Assert.Equal("running", replaced.State);
        Assert.Equal("earliest", replaced.From);
        Assert.Equal(1, replaced.OutputStart);
        Assert.False(replaced.Durable);
        Assert.Contains("PostgreSQL", replaced.NotDurableReason, StringComparison.Ordinal);
        var backfill = Assert.Single(replaced.Backfill!.Inputs);
        Assert.Equal(("temps", 0L, 3L, 3L), (backfill.Stream, backfill.FromOffset, backfill.UntilOffset, backfill.Total));
        var put = Assert.Single(recorder.Sent, r => r.Method == HttpMethod.Put);
        Assert.Equal("/api/queries/hot", put.Uri.AbsolutePath);
        using var body = JsonDocument.Parse(put.Body!);
        Assert.Equal("SELECT t FROM temps WHERE t > 35", body.RootElement.GetProperty("sql").GetString());
        Assert.Equal("earliest", body.RootElement.GetProperty("from").GetString());
        var post = Assert.Single(recorder.Sent, r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/api/queries");
        using var registration = JsonDocument.Parse(post.Body!);
        Assert.Equal("latest", registration.RootElement.GetProperty("from").GetString());
        Assert.Equal("hot", (await recorded.GetStreamAsync("hot")).OutputOf);
    }

    [Fact]
    public async Task A_subscriber_of_a_replaced_query_gets_reset_then_the_rows_rebuilt_from_the_input()
    {
        await client.CreateStreamAsync(new StreamDefinition("levels"));
        await client.AppendAsync("levels", new[] { new { l = 1 }, new { l = 5 }, new { l = 9 } });
        await client.RegisterQueryAsync("high_levels", "SELECT l FROM levels WHERE l > 4");
        await Eventually.UntilAsync(async () => (await client.GetStreamAsync("high_levels")).HeadOffset == 2, "the first query's two rows");

        var replaced = await client.ReplaceQueryAsync("high_levels", "SELECT l * 2 AS twice FROM levels");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<StreamEvent>();
        await foreach (var e in client.SubscribeAsync("high_levels", replaced.OutputStart - 1, timeout.Token))
        {
            events.Add(e);
            if (events.Count == 4)
            {
                break;
            }
        }

        Assert.Equal("reset", events[0].Op);
        Assert.Equal([2, 10, 18], events.Skip(1).Select(e => e.Data.GetProperty("twice").GetInt32()));
        Assert.All(events.Skip(1), e => Assert.Null(e.Op));
        await Eventually.UntilAsync(async () => (await client.GetQueryAsync("high_levels")).Backfill!.Complete, "the backfill to complete");
        Assert.Equal(3, (await client.GetQueryAsync("high_levels")).Backfill!.Inputs[0].Done);
    }

    [Fact]
    public async Task Replacing_an_unknown_query_or_with_bad_sql_throws_with_the_status_and_position()
    {
        await client.CreateStreamAsync(new StreamDefinition("gauges"));
        await client.RegisterQueryAsync("gauge_copy", "SELECT g FROM gauges");

        var unknown = await Assert.ThrowsAsync<SluiceException>(() => client.ReplaceQueryAsync("no_gauge_query", "SELECT g FROM gauges"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        var bad = await Assert.ThrowsAsync<SluiceException>(() => client.ReplaceQueryAsync("gauge_copy", "SELECT g\nFROM WHERE"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("SELECT g FROM gauges", (await client.GetQueryAsync("gauge_copy")).Sql);
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
