using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
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

    private async Task PostNumbersAsync(long first, int count, bool numbered = true)
    {
        // With two writers the offsets are assigned by the log, not by us: number by position then.
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append("{\"n\":").Append(numbered ? first + i : -1).Append("}\n");
        }
        using var response = await server.AppendAsync("pg_seam", body.ToString(), "application/x-ndjson");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
