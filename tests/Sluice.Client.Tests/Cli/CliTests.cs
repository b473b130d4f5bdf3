using System.Text;
using System.Text.Json;
using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests.Cli;

public sealed class CliTests(SluiceServer server) : IClassFixture<SluiceServer>, IDisposable
{
    private readonly SluiceClient client = server.NewClient();
    private readonly string directory = Directory.CreateTempSubdirectory("sluice-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Streams_create_list_describe_and_delete()
    {
        var created = await Run("streams", "create", "cli_readings", "--timestamp-field", "at", "--watermark-delay", "2s", "--capacity", "500",
            "--schema", "sensor:text,value:double", "--schema", "at:timestamp");
        Assert.True(created.ExitCode == 0, created.ToString());
        var definition = await client.GetStreamAsync("cli_readings");
        Assert.Equal("at", definition.TimestampField);
        Assert.Equal(500, definition.Capacity);
        Assert.Equal(new Dictionary<string, string> { ["sensor"] = "text", ["value"] = "double", ["at"] = "timestamp" }, definition.Schema);

        var listed = await Run("streams");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("cli_readings", listed.Output, StringComparison.Ordinal);
        Assert.Contains("first retained", listed.Output, StringComparison.Ordinal);
        Assert.Contains("cli_readings", (await Run("streams", "list")).Output, StringComparison.Ordinal);

        var described = await Run("streams", "describe", "cli_readings");
        Assert.Contains("sensor: text, value: double, at: timestamp", described.Output, StringComparison.Ordinal);

        var deleted = await Run("streams", "delete", "cli_readings");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.DoesNotContain(await client.ListStreamsAsync(), s => s.Name == "cli_readings");
    }

    [Fact]
    public async Task A_service_error_is_one_line_on_stderr_and_exit_code_1()
    {
        var result = await Run("streams", "describe", "cli_nothing_here");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 404 Not Found: There is no stream named 'cli_nothing_here'.", result.Error.Trim());
    }

    [Fact]
    public async Task A_usage_error_prints_what_is_wrong_and_exits_with_2()
    {
        var unknown = await Run("streams", "frobnicate");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("frobnicate", unknown.Error, StringComparison.Ordinal);

        var badSchema = await Run("streams", "create", "cli_bad_schema", "--schema", "value");
        Assert.Equal(2, badSchema.ExitCode);
        Assert.Equal("error: --schema takes field:type, got 'value'.", badSchema.Error.Trim());

        var missingFile = await Run("post", "cli_bad_schema", Path.Combine(directory, "nothing.ndjson"));
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Contains("no file", missingFile.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_address_comes_from_SLUICE_URL_and_an_unreachable_one_says_so()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_env"));

        var fromEnvironment = await CliRunner.RunAsync(null, "", new Dictionary<string, string> { ["SLUICE_URL"] = server.BaseAddress.ToString() }, ["streams"]);
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.Contains("cli_env", fromEnvironment.Output, StringComparison.Ordinal);

        var unreachable = await CliRunner.RunAsync(new Uri("http://127.0.0.1:1"), "", null, ["streams"]);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("cannot reach the service at http://127.0.0.1:1/", unreachable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_appends_a_file_in_batches_each_with_a_key_that_a_rerun_repeats()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_posted", Capacity: 10_000));
        var file = WriteNdjson("posted.ndjson", Enumerable.Range(0, 2_500).Select(n => $"{{\"n\":{n}}}").Append(""));

        var first = await Run("post", "cli_posted", file, "--batch-size", "1000");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Posted 2,500 events to 'cli_posted' in 3 batches (offsets 0–2499).", first.Output, StringComparison.Ordinal);
        var page = await client.ReadAsync("cli_posted", 0, 2_500);
        Assert.Equal(Enumerable.Range(0, 2_500), page.Events.Select(e => e.Data.GetProperty("n").GetInt32()));
        var keys = AppendKeys("cli_posted");
        Assert.Equal(3, keys.Count);
        Assert.Equal(3, keys.Distinct().Count());
        Assert.All(keys, key => Assert.Matches("^sluice-[0-9a-f]{40}-[0-2]$", key));

        // The same command again sends the same keys (the service then answers from its idempotency record);
        // another run label sends other keys, so the input can be appended again on purpose.
        var repeated = await Run("post", "cli_posted", file, "--batch-size", "1000");
        Assert.True(repeated.ExitCode == 0, repeated.ToString());
        Assert.Equal(keys, AppendKeys("cli_posted").Skip(3));
        Assert.Equal(2_500, (await client.GetStreamAsync("cli_posted")).HeadOffset);
        await Run("post", "cli_posted", file, "--batch-size", "1000", "--run", "again");
        Assert.Empty(AppendKeys("cli_posted").Skip(6).Intersect(keys));
        Assert.Equal(5_000, (await client.GetStreamAsync("cli_posted")).HeadOffset);
    }

    [Fact]
    public async Task Post_reads_stdin_and_reports_a_bad_line_by_its_input_line_number()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_strict", Schema: new Dictionary<string, string> { ["n"] = "bigint" }));
        var input = string.Join("\n", Enumerable.Range(0, 7).Select(n => n == 5 ? "{\"n\":\"five\"}" : $"{{\"n\":{n}}}"));

        var result = await CliRunner.RunAsync(server.BaseAddress, input, null, ["post", "cli_strict", "-", "--batch-size", "2"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error at line 6 of stdin:", result.Error, StringComparison.Ordinal);
        Assert.Contains("Posted 4 events to 'cli_strict' in 2 batches (offsets 0–3).", result.Error, StringComparison.Ordinal);
        Assert.Equal(4, (await client.GetStreamAsync("cli_strict")).Count);
    }

    [Fact]
    public async Task Tail_replays_from_an_offset_as_json_lines_or_as_text()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_tailed"));
        await client.AppendAsync("cli_tailed", Enumerable.Range(0, 10).Select(n => new { n }));

        var json = await Run("tail", "cli_tailed", "--from", "3", "--count", "4", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        var lines = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([3L, 4L, 5L, 6L], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("offset").GetInt64()));
        Assert.Equal(5, JsonDocument.Parse(lines[2]).RootElement.GetProperty("data").GetProperty("n").GetInt32());

        var text = await Run("tail", "cli_tailed", "--from", "9", "-n", "1");
        Assert.Matches(@"^9  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  \{""n"":9\}$", text.Output.Trim());
    }

    [Fact]
    public async Task Tail_json_writes_characters_as_they_are_not_as_html_escapes()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_plain_json"));
        await client.AppendAsync("cli_plain_json", new { op = "+", text = "a<b> & 'c' café" });

        var json = await Run("tail", "cli_plain_json", "--from", "0", "--count", "1", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Contains(""""op":"+","text":"a<b> & 'c' café"}"""", json.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_from_the_head_prints_events_appended_after_it_started()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_live"));
        await client.AppendAsync("cli_live", new { n = 0 });
        var started = server.Subscriptions.Started;

        var tail = Run("tail", "cli_live", "--count", "2", "--json");
        await Eventually.UntilAsync(() => server.Subscriptions.Started > started, "tail subscribed");
        await client.AppendAsync("cli_live", new[] { new { n = 1 }, new { n = 2 } });
        var result = await tail;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([1L, 2L], result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("offset").GetInt64()));
    }

    [Fact]
    public async Task Query_commands_validate_preview_register_list_describe_results_stop_start_replace_and_delete()
    {
        await client.CreateStreamAsync(new StreamDefinition("cli_words"));
        await client.AppendAsync("cli_words", new[] { new { word = "a" }, new { word = "b" }, new { word = "a" } });
        const string sql = "SELECT word, COUNT(*) AS n FROM cli_words GROUP BY word";

        var validated = await Run("query", "validate", sql);
        Assert.True(validated.ExitCode == 0, validated.ToString());
        Assert.Contains("valid; reads cli_words; output word any, n bigint (changelog)", validated.Output, StringComparison.Ordinal);
        var invalid = await Run("query", "validate", "SELECT word FROM");
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("error: 400 The query is invalid. ", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("line 1", invalid.Error, StringComparison.Ordinal);

        var events = WriteNdjson("words.ndjson", ["{\"word\":\"x\"}", "{\"word\":\"x\"}"]);
        var previewed = await Run("query", "preview", sql, "--events", $"cli_words={events}", "--json");
        Assert.True(previewed.ExitCode == 0, previewed.ToString());
        var preview = JsonDocument.Parse(previewed.Output).RootElement;
        Assert.Equal(2, preview.GetProperty("eventsIn").GetInt32());
        Assert.Equal(2, preview.GetProperty("rows").EnumerateArray().Last().GetProperty("n").GetInt64());

        var registered = await CliRunner.RunAsync(server.BaseAddress, sql, null, ["query", "register", "cli_counts", "-"]);
        Assert.True(registered.ExitCode == 0, registered.ToString());
        Assert.Contains("running", registered.Output, StringComparison.Ordinal);
        await Eventually.UntilAsync(async () => (await client.GetQueryAsync("cli_counts")).Metrics.EventsIn == 3, "the query read the words");

        Assert.Contains("cli_counts", (await Run("query", "list")).Output, StringComparison.Ordinal);
        Assert.Contains("cli_counts", (await Run("query")).Output, StringComparison.Ordinal);
        var described = await Run("query", "describe", "cli_counts");
        Assert.Contains(sql, described.Output, StringComparison.Ordinal);
        var results = await Run("query", "results", "cli_counts", "--json");
        Assert.Equal(2, JsonDocument.Parse(results.Output).RootElement.GetProperty("count").GetInt64());

        Assert.Equal("stopped", JsonDocument.Parse((await Run("query", "stop", "cli_counts", "--json")).Output).RootElement.GetProperty("state").GetString());
        Assert.Equal("running", JsonDocument.Parse((await Run("query", "start", "cli_counts", "--json")).Output).RootElement.GetProperty("state").GetString());

        var replacement = "SELECT word, COUNT(*) AS n FROM cli_words WHERE word <> 'b' GROUP BY word";
        var replaced = await Run("query", "replace", "cli_counts", replacement, "--json");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(replacement, JsonDocument.Parse(replaced.Output).RootElement.GetProperty("sql").GetString());
        Assert.Contains(server.Requests.Received, r => r.Method == "PUT" && r.PathAndQuery == "/api/queries/cli_counts");
        Assert.Equal(replacement, (await client.GetQueryAsync("cli_counts")).Sql);

        var deleted = await Run("query", "delete", "cli_counts");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.DoesNotContain(await client.ListQueriesAsync(), q => q.Name == "cli_counts");
    }

    private Task<CliResult> Run(params string[] args) => CliRunner.RunAsync(server.BaseAddress, "", null, args);

    private List<string?> AppendKeys(string stream) =>
        server.Requests.Received.Where(r => r.Method == "POST" && r.PathAndQuery == $"/api/streams/{stream}/events").Select(r => r.IdempotencyKey).ToList();

    private string WriteNdjson(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, string.Join("\n", lines), Encoding.UTF8);
        return path;
    }
}
