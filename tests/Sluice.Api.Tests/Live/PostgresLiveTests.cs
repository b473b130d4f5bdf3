using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Live;
using Sluice.Api.Tests.Postgres;

namespace Sluice.Api.Tests.Live;

/// <summary>Live delivery from a postgres stream, where events become visible only once committed.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLiveTests(PostgresServer postgres) : IAsyncLifetime
{
    private LiveServer server = null!;

    public async Task InitializeAsync() => server = new LiveServer(postgresConnectionString: await postgres.DatabaseForAsync(nameof(PostgresLiveTests)));

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Replay_then_live_from_a_postgres_stream_has_no_gap_or_duplicate_while_appends_run()
    {
        const int total = 5_000;
        const int batch = 250;
        await server.CreateStreamOrFailAsync(new { name = "pg_seam", storage = "postgres", schema = new { n = "bigint" } });
        var appended = 0;
        while (appended < 1_000)
        {
            await PostNumbersAsync(appended, batch);
            appended += batch;
        }

        await using var connection = await server.ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var received = new List<long>(total);
        var reading = Task.Run(async () =>
        {
            await foreach (var e in connection.StreamAsync<Received>("Subscribe", "pg_seam", 0L, timeout.Token))
            {
                var n = e.Data.GetProperty("n").GetInt64();
                Assert.True(n == e.Offset || n == -1, $"offset {e.Offset} carries n={n}");
                received.Add(e.Offset);
                if (received.Count == total)
                {
                    break;
                }
            }
        });
        // Two writers at once, so commits can land out of offset order.
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref appended, batch) - batch;
                if (first >= total)
                {
                    return;
                }
                await PostNumbersAsync(first, batch, numbered: false);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await reading;

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), received);
    }

    [Fact]
    public async Task Many_subscribers_at_the_head_of_a_postgres_stream_share_its_reads()
    {
        const int subscribers = 20;
        const int appends = 40;
        await server.CreateStreamOrFailAsync(new { name = "pg_fanout", storage = "postgres" });
        var connections = new List<HubConnection>();
        var readers = new List<Task<List<long>>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        for (var i = 0; i < subscribers; i++)
        {
            var connection = await server.ConnectAsync();
            connections.Add(connection);
            readers.Add(Task.Run(async () =>
            {
                var offsets = new List<long>();
                await foreach (var e in connection.StreamAsync<Received>("Subscribe", "pg_fanout", 0L, timeout.Token))
                {
                    offsets.Add(e.Offset);
                    if (offsets.Count == appends * 10)
                    {
                        break;
                    }
                }
                return offsets;
            }));
        }
        for (var i = 0; i < appends; i++)
        {
            await PostNumbersAsync("pg_fanout", i * 10, 10);
        }
        var received = await Task.WhenAll(readers);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        Assert.All(received, offsets => Assert.Equal(Enumerable.Range(0, appends * 10).Select(i => (long)i), offsets));
        var reads = server.Store.Find("pg_fanout")!.Tail.StoreReads;
        // Unshared, every subscriber would read the table after every append: 800 reads. Each append keeps what it
        // committed in the stream's tail, so subscribers at the head read none.
        Assert.True(reads <= appends + subscribers, $"{reads} reads of the table for {appends} appends");
    }

    [Fact]
    public async Task Three_queries_on_a_postgres_stream_read_its_table_at_most_once_per_batch()
    {
        const int batches = 10;
        await server.CreateStreamOrFailAsync(new { name = "pg_bids", storage = "postgres", schema = new { n = "bigint" } });
        var names = new[] { "pg_q0", "pg_q1", "pg_q2" };
        using (var client = server.CreateClient())
        {
            foreach (var name in names)
            {
                using var created = await client.PostAsJsonAsync("/api/queries", new { name, sql = "SELECT n FROM pg_bids WHERE n >= 0" });
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            }
        }

        for (var i = 0; i < batches; i++)
        {
            await PostNumbersAsync("pg_bids", i * 10, 10);
        }
        foreach (var name in names)
        {
            await LiveServer.WaitUntilAsync(() => server.Store.Find(name)!.Position.HeadOffset == batches * 10, $"all rows out of {name}");
        }

        // Each append keeps what it committed in the stream's tail: the queries at the head share it and read the
        // table not even once (three times per batch if each read the table for itself).
        var reads = server.Store.Find("pg_bids")!.Tail.StoreReads;
        Assert.True(reads <= batches, $"{reads} reads of the table for {batches} batches");
        Assert.Equal(0, reads);
    }

    private Task PostNumbersAsync(long first, int count, bool numbered = true) => PostNumbersAsync("pg_seam", first, count, numbered);

    private async Task PostNumbersAsync(string stream, long first, int count, bool numbered = true)
    {
        // With two writers the offsets are assigned by the log, not by us: number by position then.
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append("{\"n\":").Append(numbered ? first + i : -1).Append("}\n");
        }
        using var response = await server.AppendAsync(stream, body.ToString(), "application/x-ndjson");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
