using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Sluice.Api.Tests.Live;

public sealed class StreamHubTests : IClassFixture<StreamHubTests.Server>
{
    public sealed class Server() : LiveServer();

    private readonly Server server;

    public StreamHubTests(Server server) => this.server = server;

    [Fact]
    public async Task Replay_then_live_delivers_every_offset_exactly_once_while_appends_run()
    {
        const int total = 20_000;
        const int batch = 250;
        await server.CreateStreamOrFailAsync(new { name = "seam", capacity = 50_000 });
        // Some history to replay before the subscription starts, the rest appended while it runs.
        var appended = 0;
        while (appended < 4_000)
        {
            await PostNumbersAsync("seam", appended, batch);
            appended += batch;
        }

        await using var connection = await server.ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new List<long>(total);
        var reading = Task.Run(async () =>
        {
            await foreach (var e in connection.StreamAsync<Received>("Subscribe", "seam", 0L, timeout.Token))
            {
                Assert.Equal(e.Offset, e.Data.GetProperty("n").GetInt64());
                received.Add(e.Offset);
                if (received.Count == total)
                {
                    break;
                }
            }
        });
        while (appended < total)
        {
            await PostNumbersAsync("seam", appended, batch);
            appended += batch;
        }
        await reading;

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), received);
    }

    [Theory]
    [InlineData(HttpTransportType.LongPolling)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    public async Task Subscriptions_work_over_the_fallback_transports(HttpTransportType transport)
    {
        var stream = $"over_{transport}".ToLowerInvariant();
        await server.CreateStreamOrFailAsync(new { name = stream });
        await PostNumbersAsync(stream, 0, 300);
        await using var connection = new HubConnectionBuilder().WithUrl(server.HubUrl, transport).Build();
        await connection.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var offsets = new List<long>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in connection.StreamAsync<Received>("Subscribe", stream, 100L, timeout.Token))
            {
                offsets.Add(e.Offset);
                if (offsets.Count == 250)
                {
                    break;
                }
            }
        });
        await PostNumbersAsync(stream, 300, 50);
        await reading;

        Assert.Equal(Enumerable.Range(100, 250).Select(i => (long)i), offsets);
    }

    [Fact]
    public async Task Null_start_delivers_only_events_appended_after_subscribing()
    {
        await server.CreateStreamOrFailAsync(new { name = "from_head" });
        await PostNumbersAsync("from_head", 0, 5);
        await using var connection = await server.ConnectAsync();
        var started = server.Subscriptions.Started;

        var channel = await connection.StreamAsChannelAsync<Received>("Subscribe", "from_head", null);
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Started > started, "the subscription started");
        await PostNumbersAsync("from_head", 100, 3);

        var offsets = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (offsets.Count < 3)
        {
            var e = await channel.ReadAsync(timeout.Token);
            Assert.Equal(100 + offsets.Count, e.Data.GetProperty("n").GetInt64());
            offsets.Add(e.Offset);
        }
        Assert.Equal([5L, 6L, 7L], offsets);
    }

    [Fact]
    public async Task Unknown_stream_ends_only_that_subscription_with_an_error()
    {
        await server.CreateStreamOrFailAsync(new { name = "known" });
        await using var connection = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<Received>("Subscribe", "no_such_stream", 0L))
            {
            }
        });
        Assert.Contains("no stream named 'no_such_stream'", error.Message);
        // A client's mistake is the client's answer, not an error in the service's log.
        Assert.DoesNotContain(server.Logs.Errors, e => e.StartsWith("Microsoft.AspNetCore.SignalR", StringComparison.Ordinal));

        // The same connection still works.
        await PostNumbersAsync("known", 0, 2);
        var first = await FirstAsync(connection.StreamAsync<Received>("Subscribe", "known", 0L));
        Assert.Equal(0, first.Offset);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Theory]
    [InlineData(null, 0L, "Name the stream")]
    [InlineData("known_bad_args", -1L, "fromOffset must be 0 or more, got -1")]
    public async Task Bad_arguments_end_the_subscription_with_a_message_saying_what_is_wrong(string? stream, long fromOffset, string message)
    {
        if (server.Store.Find("known_bad_args") is null)
        {
            await server.CreateStreamOrFailAsync(new { name = "known_bad_args" });
        }
        await using var connection = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<Received>("Subscribe", stream, fromOffset))
            {
            }
        });

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Subscribing_below_the_first_retained_offset_names_it()
    {
        await server.CreateStreamOrFailAsync(new { name = "evicted", capacity = 10 });
        await PostNumbersAsync("evicted", 0, 25);
        await using var connection = await server.ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in connection.StreamAsync<Received>("Subscribe", "evicted", 3L))
            {
            }
        });

        Assert.Contains("first retained offset is 15", error.Message);
    }

    [Fact]
    public async Task Query_output_rows_carry_their_changelog_op()
    {
        await server.CreateStreamOrFailAsync(new { name = "changelog" });
        await server.AppendAsync("changelog", """[{"k":"a","c":1,"op":"+"},{"k":"a","c":1,"op":"-"},{"k":"a","c":2,"op":"+"},{"plain":true}]""");
        await using var connection = await server.ConnectAsync();

        var events = new List<Received>();
        await foreach (var e in connection.StreamAsync<Received>("Subscribe", "changelog", 0L))
        {
            events.Add(e);
            if (events.Count == 4)
            {
                break;
            }
        }

        Assert.Equal(["+", "-", "+", null], events.Select(e => e.Op));
        Assert.Equal(2, events[2].Data.GetProperty("c").GetInt32());
    }

    [Fact]
    public async Task A_disconnected_subscriber_releases_its_pump()
    {
        await server.CreateStreamOrFailAsync(new { name = "leaving" });
        var before = server.Subscriptions.Active;
        var connection = await server.ConnectAsync();
        _ = await connection.StreamAsChannelAsync<Received>("Subscribe", "leaving", null);
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == before + 1, "the pump runs");

        await connection.DisposeAsync();

        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == before, "the pump ended");
    }

    [Fact]
    public async Task Cancelling_a_subscription_releases_its_pump_and_keeps_the_connection()
    {
        await server.CreateStreamOrFailAsync(new { name = "cancelled" });
        var before = server.Subscriptions.Active;
        await using var connection = await server.ConnectAsync();
        using var cancel = new CancellationTokenSource();
        _ = await connection.StreamAsChannelAsync<Received>("Subscribe", "cancelled", null, cancel.Token);
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == before + 1, "the pump runs");

        await cancel.CancelAsync();

        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == before, "the pump ended");
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Deleting_the_stream_ends_its_subscriptions_with_an_error()
    {
        await server.CreateStreamOrFailAsync(new { name = "doomed" });
        await using var connection = await server.ConnectAsync();
        var started = server.Subscriptions.Started;
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in connection.StreamAsync<Received>("Subscribe", "doomed", null))
            {
            }
        });
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Started > started, "the subscription started");

        using var client = server.CreateClient();
        using var deleted = await client.DeleteAsync("/api/streams/doomed");
        Assert.True(deleted.IsSuccessStatusCode);

        var error = await Assert.ThrowsAsync<HubException>(() => reading.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("'doomed' was deleted", error.Message);
    }

    private async Task PostNumbersAsync(string stream, long first, int count)
    {
        var body = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"n\":").Append(first + i).Append('}');
        }
        body.Append(']');
        using var response = await server.AppendAsync(stream, body.ToString());
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var appended = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(count, appended.GetProperty("count").GetInt32());
    }

    private static async Task<T> FirstAsync<T>(IAsyncEnumerable<T> source)
    {
        await foreach (var item in source)
        {
            return item;
        }
        throw new InvalidOperationException("the stream ended without an item");
    }
}
