using System.Net;
using System.Net.Http.Json;
using Sluice.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Postgres;

/// <summary>
/// PostgreSQL itself crashes (<c>pg_ctl stop -m immediate</c>) and comes back during ingest into the Release
/// service. Runs its own PostgreSQL server, since it stops it.
/// </summary>
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PostgresServer server = new();

    public Task InitializeAsync() => server.InitializeAsync();

    public Task DisposeAsync() => server.DisposeAsync();

    [Fact]
    public async Task Clients_get_503_never_500_while_postgres_is_down_and_ingest_resumes_with_nothing_acknowledged_lost()
    {
        const int writers = 4, eventsPerBatch = 20;
        var database = await server.CreateDatabaseAsync(nameof(PostgresOutageTests));
        await using var service = new ServiceProcess(database);
        Assert.True(await service.StartAsync(), service.Log);
        using var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromSeconds(20) };
        using (var created = await client.PostAsJsonAsync("/api/streams", new { name = "metrics", storage = "postgres" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var producers = new RetryingWriters(() => client, "metrics", writers, eventsPerBatch);
        using var stop = new CancellationTokenSource();
        var ingest = producers.RunAsync(stop.Token);
        await Eventually.UntilAsync(() => producers.Acknowledged, n => n >= 20, "ingest to get going");

        await server.StopImmediatelyAsync();
        await Eventually.UntilAsync(() => producers.Statuses.GetValueOrDefault(503), n => n > 0, "a 503 while PostgreSQL is down");
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        using (var read = await client.GetAsync("/api/streams/metrics/events?from=0&limit=10"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
            Assert.NotNull(read.Headers.RetryAfter);
            Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
        }
        // A second service started now cannot even reach the database: it must not come up.
        await using (var early = new ServiceProcess(database))
        {
            Assert.False(await early.StartAsync(), "a second service came up while PostgreSQL was down:\n" + early.Log);
        }

        var acknowledgedWhileDown = producers.Acknowledged;
        await server.StartAsync();
        await Eventually.UntilAsync(() => producers.Acknowledged, n => n >= acknowledgedWhileDown + 20, "ingest to resume", TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, "the service to be ready again");

        // The first service holds the guard again: a second one on the same database refuses to start and is never ready.
        await using (var intruder = new ServiceProcess(database))
        {
            Assert.False(await intruder.StartAsync(), "a second service started next to the owner:\n" + intruder.Log);
            Assert.Contains("already owns the streams", intruder.Log);
        }

        await stop.CancelAsync();
        await ingest.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{producers.Acknowledged} batches acknowledged; statuses {string.Join(", ", producers.Statuses.Select(s => $"{s.Key}×{s.Value}"))}; " +
                         $"{producers.ReplayedAfterLoss} retries found their first try committed");
        Assert.Equal(0, producers.Statuses.GetValueOrDefault(500));
        Assert.Equal(0, producers.RetryAfterMissing);
        await producers.VerifyAsync();
    }
}
