using System.Net;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

/// <summary>Runs its own server, since it stops it.</summary>
public sealed class PostgresHealthTests
{
    [Fact]
    public async Task Readiness_follows_the_database()
    {
        var server = new PostgresServer();
        await server.InitializeAsync();
        try
        {
            await using var app = new SluiceApp(await server.CreateDatabaseAsync(nameof(PostgresHealthTests)));
            using var client = app.CreateClient();
            using (var ready = await client.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            await server.StopAsync();

            using var down = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
