using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Streams;

/// <summary>
/// Idempotency keys, expected offsets and query-owned output streams (SPEC §7), through the HTTP API,
/// the same on every engine: each engine runs this suite through a subclass.
/// </summary>
public abstract class AppendGuardsBehaviour(SluiceApp app, string storage)
{
    protected SluiceApp App { get; } = app;

    private async Task<string> CreateAsync()
    {
        var name = "g_" + Guid.NewGuid().ToString("N")[..12];
        await App.CreateStreamOrFailAsync(new { name, storage });
        return name;
    }

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_first_answer_and_appends_nothing()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        using (var before = await Appends.PostAsync(client, stream, """{"n":0}"""))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var first = await Appends.PostAsync(client, stream, """[{"n":1},{"n":2}]""", key: "order-17");
        using var retry = await Appends.PostAsync(client, stream, """[{"n":1},{"n":2}]""", key: "order-17");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(["true"], retry.Headers.GetValues("Idempotent-Replayed"));
        var firstAnswer = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 2, 2), Appends.Offsets(firstAnswer));
        Assert.Equal(Appends.Offsets(firstAnswer), Appends.Offsets(await retry.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal(3, await Appends.HeadAsync(client, stream));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_with_422()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        using var first = await Appends.PostAsync(client, stream, """{"n":1}""", key: "k1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var other = await Appends.PostAsync(client, stream, """{"n":2}""", key: "k1");
        using var otherFormat = await Appends.PostAsync(client, stream, """{"n":1}""", key: "k1", contentType: "application/x-ndjson");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        var problem = await SluiceApp.ProblemAsync(other);
        Assert.Equal("k1", problem.GetProperty("idempotencyKey").GetString());
        Assert.Contains("another body", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherFormat.StatusCode);
        Assert.Equal(1, await Appends.HeadAsync(client, stream));
    }

    [Fact]
    public async Task Keys_belong_to_their_stream()
    {
        var one = await CreateAsync();
        var two = await CreateAsync();
        using var client = App.CreateClient();

        using var toOne = await Appends.PostAsync(client, one, """{"n":1}""", key: "shared");
        using var toTwo = await Appends.PostAsync(client, two, """{"n":1}""", key: "shared");

        Assert.False(toTwo.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await Appends.HeadAsync(client, one));
        Assert.Equal(1, await Appends.HeadAsync(client, two));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("tab\tinside")]
    [InlineData("caf\u00e9")]
    [InlineData("129")]
    public async Task A_malformed_key_is_refused_with_400_naming_the_header(string key)
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        var value = key == "129" ? new string('k', 129) : key;

        using var response = await Appends.PostAsync(client, stream, """{"n":1}""", key: value);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        Assert.Equal(0, await Appends.HeadAsync(client, stream));
    }

    [Fact]
    public async Task A_key_of_128_printable_characters_is_accepted()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        var key = string.Concat(Enumerable.Range(0, 128).Select(i => (char)(' ' + 1 + (i % 94))));

        using var response = await Appends.PostAsync(client, stream, """{"n":1}""", key: key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_append_once_and_all_get_the_same_offsets()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var response = await Appends.PostAsync(client, stream, """[{"n":1},{"n":2},{"n":3}]""", key: "once");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (Appends.Offsets(await response.Content.ReadFromJsonAsync<JsonElement>()), response.Headers.Contains("Idempotent-Replayed"));
        }));

        Assert.All(answers, a => Assert.Equal((0, 2, 3), a.Item1));
        Assert.Equal(1, answers.Count(a => !a.Item2));
        Assert.Equal(3, await Appends.HeadAsync(client, stream));
    }

    [Fact]
    public async Task Concurrent_keyed_appends_sent_three_times_each_append_once_at_offsets_holding_their_own_events()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();

        // 60 requests of two events, each sent three times at once: a key's later sends may meet its first still being
        // written, stored, or in the same group.
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).SelectMany(i => new[] { i, i, i }).Select(async i =>
        {
            using var response = await Appends.PostAsync(client, stream, $$"""[{"n":{{2 * i}}},{"n":{{2 * i + 1}}}]""", key: $"key-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (Request: i, Offsets: Appends.Offsets(await response.Content.ReadFromJsonAsync<JsonElement>()));
        }));

        Assert.All(answers.GroupBy(a => a.Request), sends => Assert.Single(sends.Select(a => a.Offsets).Distinct()));
        Assert.Equal(120, await Appends.HeadAsync(client, stream));
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/events?from=0&limit=200");
        var stored = page.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("offset").GetInt64(), e => e.GetProperty("data").GetProperty("n").GetInt64());
        Assert.Equal(120, stored.Count);
        foreach (var (request, (first, last, count)) in answers)
        {
            Assert.Equal((2, last), (count, first + 1));
            Assert.Equal(2 * request, stored[first]);
            Assert.Equal(2 * request + 1, stored[last]);
        }
    }

    [Fact]
    public async Task ExpectedOffset_appends_at_the_head_and_refuses_elsewhere_with_409_and_the_current_offset()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();

        using var atHead = await Appends.PostAsync(client, stream, """[{"n":1},{"n":2}]""", expectedOffset: 0);
        using var stale = await Appends.PostAsync(client, stream, """{"n":3}""", expectedOffset: 0);
        using var ahead = await Appends.PostAsync(client, stream, """{"n":3}""", expectedOffset: 7);
        using var negative = await Appends.PostAsync(client, stream, """{"n":3}""", expectedOffset: -1);

        Assert.Equal(HttpStatusCode.OK, atHead.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await SluiceApp.ProblemAsync(stale);
        Assert.Equal(2, problem.GetProperty("currentOffset").GetInt64());
        Assert.Equal(0, problem.GetProperty("expectedOffset").GetInt64());
        Assert.Equal(2, (await SluiceApp.ProblemAsync(ahead)).GetProperty("currentOffset").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(2, await Appends.HeadAsync(client, stream));
    }

    [Fact]
    public async Task A_replayed_key_answers_its_first_result_even_when_the_expected_offset_has_passed()
    {
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        using var first = await Appends.PostAsync(client, stream, """{"n":1}""", key: "k", expectedOffset: 0);
        using var retry = await Appends.PostAsync(client, stream, """{"n":1}""", key: "k", expectedOffset: 0);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((0, 0, 1), Appends.Offsets(await retry.Content.ReadFromJsonAsync<JsonElement>()));
    }

    [Fact]
    public async Task ExpectedOffset_under_16_concurrent_writers_lets_exactly_one_win_per_offset()
    {
        const int writers = 16, target = 120;
        var stream = await CreateAsync();
        using var client = App.CreateClient();
        var conflicts = 0;

        var won = await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var mine = new List<long>();
            var expected = 0L;
            while (expected < target)
            {
                using var response = await Appends.PostAsync(client, stream, $$"""{"writer":{{w}},"at":{{expected}}}""", expectedOffset: expected);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var offset = body.GetProperty("firstOffset").GetInt64();
                    Assert.Equal(expected, offset);
                    mine.Add(offset);
                    expected = offset + 1;
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
                    Interlocked.Increment(ref conflicts);
                    expected = body.GetProperty("currentOffset").GetInt64();
                }
            }
            return mine;
        }));

        var offsets = won.SelectMany(w => w).Order().ToList();
        Assert.Equal(Enumerable.Range(0, target).Select(i => (long)i), offsets);
        Assert.True(conflicts > 0, "16 writers racing for each offset should have lost some races");
        var events = (await App.ReadAsync(stream, 0, 1000)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(target, events.Count);
        // Each stored event is the one its winner wrote for that offset.
        Assert.All(events, e => Assert.Equal(e.GetProperty("offset").GetInt64(), e.GetProperty("data").GetProperty("at").GetInt64()));
    }

    [Fact]
    public async Task A_query_output_stream_refuses_appends_over_http_with_409()
    {
        var input = await CreateAsync();
        var query = "q_" + Guid.NewGuid().ToString("N")[..12];
        using var client = App.CreateClient();
        using (var registered = await client.PostAsJsonAsync("/api/queries", new { name = query, sql = $"SELECT n FROM {input}" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        try
        {
            using var response = await Appends.PostAsync(client, query, """{"n":1}""");

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            var problem = await SluiceApp.ProblemAsync(response);
            Assert.Contains($"output of query '{query}'", problem.GetProperty("detail").GetString());
            Assert.Equal(0, await Appends.HeadAsync(client, query));
        }
        finally
        {
            using var deleted = await client.DeleteAsync($"/api/queries/{query}");
        }
    }
}

/// <summary>Append requests with the headers and parameters of SPEC §7.</summary>
internal static class Appends
{
    public static async Task<HttpResponseMessage> PostAsync(
        HttpClient client, string stream, string body, string? key = null, long? expectedOffset = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events" + (expectedOffset is { } e ? $"?expectedOffset={e}" : ""));
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        return await client.SendAsync(request);
    }

    public static (long First, long Last, int Count) Offsets(JsonElement answer) =>
        (answer.GetProperty("firstOffset").GetInt64(), answer.GetProperty("lastOffset").GetInt64(), answer.GetProperty("count").GetInt32());

    public static async Task<long> HeadAsync(HttpClient client, string stream) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}")).GetProperty("headOffset").GetInt64();
}

public sealed class MemoryAppendGuardsBehaviour(MemoryAppFixture fixture) : AppendGuardsBehaviour(fixture.App, "memory"), IClassFixture<MemoryAppFixture>;
