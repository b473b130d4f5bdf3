using System.Net;
using System.Text;
using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests;

public sealed class StreamsClientTests(SluiceServer server) : IClassFixture<SluiceServer>
{
    private readonly SluiceClient client = server.NewClient();

    [Fact]
    public async Task Create_list_describe_and_delete_a_stream()
    {
        var created = await client.CreateStreamAsync(new StreamDefinition(
            "readings", TimestampField: "at", WatermarkDelay: "2s", Capacity: 500,
            Schema: new Dictionary<string, string> { ["sensor"] = "text", ["value"] = "double", ["at"] = "timestamp" }));

        Assert.Equal("readings", created.Name);
        Assert.Equal("memory", created.Storage);
        Assert.Equal("at", created.TimestampField);
        Assert.Equal(500, created.Capacity);
        Assert.Equal("double", created.Schema!["value"]);
        Assert.Contains(await client.ListStreamsAsync(), s => s.Name == "readings");
        var described = await client.GetStreamAsync("readings");
        Assert.Equal(0, described.HeadOffset);
        Assert.Equal(0, described.Count);

        await client.DeleteStreamAsync("readings");

        var gone = await Assert.ThrowsAsync<SluiceException>(() => client.GetStreamAsync("readings"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.DoesNotContain(await client.ListStreamsAsync(), s => s.Name == "readings");
    }

    [Fact]
    public async Task Appends_objects_one_object_and_raw_ndjson_and_reads_them_back_in_offset_order()
    {
        await client.CreateStreamAsync(new StreamDefinition("appended"));

        var batch = await client.AppendAsync("appended", new[] { new { n = 0 }, new { n = 1 } });
        var single = await client.AppendAsync("appended", new { n = 2 });
        var ndjson = await client.AppendNdjsonAsync("appended", Encoding.UTF8.GetBytes("{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n"));

        Assert.Equal(new AppendResult(0, 1, 2), batch);
        Assert.Equal(new AppendResult(2, 2, 1), single);
        Assert.Equal(new AppendResult(3, 5, 3), ndjson);
        var page = await client.ReadAsync("appended", from: 1, limit: 3);
        Assert.Equal([1L, 2L, 3L], page.Events.Select(e => e.Offset));
        Assert.Equal([1, 2, 3], page.Events.Select(e => e.Data.GetProperty("n").GetInt32()));
        Assert.Equal(4, page.NextOffset);
        Assert.Equal(6, page.HeadOffset);
    }

    [Fact]
    public async Task Append_sends_the_idempotency_key_header_and_the_expected_offset()
    {
        var recorder = new RecordingHandler();
        using var http = new HttpClient(recorder);
        using var recorded = new SluiceClient(http, new SluiceClientOptions { BaseAddress = server.BaseAddress });
        await recorded.CreateStreamAsync(new StreamDefinition("guarded"));

        var result = await recorded.AppendAsync("guarded", new { n = 0 }, new AppendOptions(IdempotencyKey: "batch-0001", ExpectedOffset: 0));
        await recorded.AppendNdjsonAsync("guarded", Encoding.UTF8.GetBytes("{\"n\":1}\n"), new AppendOptions(IdempotencyKey: "batch-0002", ExpectedOffset: 1));

        Assert.Equal(0, result.FirstOffset);
        var appends = recorder.Sent.Where(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/api/streams/guarded/events").ToList();
        Assert.Equal(2, appends.Count);
        Assert.Equal("batch-0001", appends[0].Headers["Idempotency-Key"]);
        Assert.Equal("?expectedOffset=0", appends[0].Uri.Query);
        Assert.Equal("application/json", appends[0].ContentType);
        Assert.Equal("batch-0002", appends[1].Headers["Idempotency-Key"]);
        Assert.Equal("?expectedOffset=1", appends[1].Uri.Query);
        Assert.Equal("application/x-ndjson", appends[1].ContentType);
    }

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_first_answer_and_appends_nothing()
    {
        await client.CreateStreamAsync(new StreamDefinition("retried"));
        await client.AppendAsync("retried", new { n = -1 });

        var first = await client.AppendAsync("retried", new[] { new { n = 0 }, new { n = 1 } }, new AppendOptions(IdempotencyKey: "retry-0001"));
        var retry = await client.AppendAsync("retried", new[] { new { n = 0 }, new { n = 1 } }, new AppendOptions(IdempotencyKey: "retry-0001"));

        Assert.Equal(new AppendResult(1, 2, 2, Replayed: false), first);
        Assert.Equal(new AppendResult(1, 2, 2, Replayed: true), retry);
        Assert.Equal(3, (await client.GetStreamAsync("retried")).HeadOffset);

        var reused = await Assert.ThrowsAsync<SluiceException>(() =>
            client.AppendAsync("retried", new[] { new { n = 7 } }, new AppendOptions(IdempotencyKey: "retry-0001")));
        Assert.Equal((HttpStatusCode)422, reused.Status);
        Assert.Equal(3, (await client.GetStreamAsync("retried")).HeadOffset);
    }

    [Fact]
    public async Task An_append_with_a_stale_expected_offset_throws_409_with_the_current_offset()
    {
        await client.CreateStreamAsync(new StreamDefinition("guarded_live"));
        await client.AppendAsync("guarded_live", new { n = 0 }, new AppendOptions(ExpectedOffset: 0));

        var stale = await Assert.ThrowsAsync<SluiceException>(() => client.AppendAsync("guarded_live", new { n = 1 }, new AppendOptions(ExpectedOffset: 0)));

        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal(1, stale.Extensions["currentOffset"].GetInt64());
        Assert.Equal(1, (await client.GetStreamAsync("guarded_live")).HeadOffset);
    }

    [Fact]
    public async Task A_token_is_sent_as_a_bearer_credential()
    {
        var recorder = new RecordingHandler();
        using var http = new HttpClient(recorder);
        using var authenticated = new SluiceClient(http, new SluiceClientOptions { BaseAddress = server.BaseAddress, Token = "sk_test_123" });

        await authenticated.ListStreamsAsync();

        Assert.Equal("Bearer sk_test_123", Assert.Single(recorder.Sent).Headers["Authorization"]);
    }

    [Fact]
    public async Task Errors_carry_the_problem_details_status_title_detail_and_extensions()
    {
        await client.CreateStreamAsync(new StreamDefinition("strict", Schema: new Dictionary<string, string> { ["value"] = "double" }));

        var badEvent = await Assert.ThrowsAsync<SluiceException>(() =>
            client.AppendNdjsonAsync("strict", Encoding.UTF8.GetBytes("{\"value\":1}\n{\"value\":\"high\"}\n")));
        Assert.Equal(HttpStatusCode.BadRequest, badEvent.Status);
        Assert.Equal("The events were rejected; nothing was appended.", badEvent.Title);
        Assert.Equal(2, badEvent.GetInt64("line"));
        Assert.Equal("value", badEvent.Extensions["field"].GetString());
        Assert.Contains(badEvent.Detail!, badEvent.Message, StringComparison.Ordinal);

        var taken = await Assert.ThrowsAsync<SluiceException>(() => client.CreateStreamAsync(new StreamDefinition("strict")));
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);

        var invalid = await Assert.ThrowsAsync<SluiceException>(() => client.CreateStreamAsync(new StreamDefinition("Not A Name")));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.True(invalid.Errors.ContainsKey("name"), invalid.Message);
        Assert.Contains("name:", invalid.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<SluiceException>(() => client.ReadAsync("no_such_stream"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("There is no stream named 'no_such_stream'.", unknown.Detail);
    }

    [Fact]
    public async Task Reading_an_evicted_offset_reports_the_first_retained_one()
    {
        await client.CreateStreamAsync(new StreamDefinition("small", Capacity: 3));
        await client.AppendAsync("small", Enumerable.Range(0, 10).Select(n => new { n }));

        var gone = await Assert.ThrowsAsync<SluiceException>(() => client.ReadAsync("small", from: 0));

        Assert.Equal(HttpStatusCode.Gone, gone.Status);
        Assert.Equal(7, gone.GetInt64("firstRetainedOffset"));
    }

    [Fact]
    public void A_client_needs_an_address()
    {
        using var http = new HttpClient();
        Assert.Throws<ArgumentException>(() => new SluiceClient(http));
        Assert.Equal(new Uri("http://example.test/base/"), new SluiceClient(new Uri("http://example.test/base")).BaseAddress);
    }
}
