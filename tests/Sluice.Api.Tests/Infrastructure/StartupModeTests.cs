using Microsoft.Extensions.Configuration;
using Sluice.Api.Infrastructure;
using Sluice.Api.Tests.Postgres;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>The startup line names the mode: memory, one node over PostgreSQL at host:port, or a node of a cluster.</summary>
public sealed class StartupModeTests
{
    private const string Postgres = "Host=db.example;Port=5433;Database=sluice;Username=sluice;Password=secret";

    [Fact]
    public void Without_a_connection_string_the_mode_is_memory_and_says_nothing_survives()
    {
        var mode = StartupReport.Mode(Configuration(), null);

        Assert.StartsWith("memory mode", mode, StringComparison.Ordinal);
        Assert.Contains("lost when the service stops", mode, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_connection_string_the_mode_names_postgres_host_port_and_database_without_the_password()
    {
        var mode = StartupReport.Mode(Configuration(), Postgres);

        Assert.StartsWith("one node over PostgreSQL at db.example:5433/sluice", mode, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", mode, StringComparison.Ordinal);
        Assert.DoesNotContain("cluster", mode, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_node_names_itself_its_cluster_its_silo_and_postgres()
    {
        var mode = StartupReport.Mode(Configuration(new()
        {
            ["Cluster:Enabled"] = "true", ["Cluster:NodeName"] = "node2", ["Cluster:ClusterId"] = "prod",
            ["Cluster:Address"] = "10.0.0.7", ["Cluster:SiloPort"] = "11112",
        }), Postgres);

        Assert.Equal("cluster node 'node2' of cluster 'prod' (silo 10.0.0.7:11112) over PostgreSQL at db.example:5433/sluice", mode);
    }

    private static IConfiguration Configuration(Dictionary<string, string?>? settings = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
}

/// <summary>The real service over the test PostgreSQL says so in its startup line.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StartupOverPostgresTests(PostgresServer server)
{
    [Fact]
    public async Task A_start_over_postgres_logs_the_mode_with_host_and_port_and_the_urls()
    {
        var database = await server.CreateDatabaseAsync(nameof(StartupOverPostgresTests));
        await using var service = new ServiceProcess(database);
        Assert.True(await service.StartAsync(TimeSpan.FromSeconds(60)), service.Log);

        var summary = await StartupTests.LineContainingAsync(service, "Sluice is running");
        Assert.Contains($"one node over PostgreSQL at {StartupFailure.PostgresAddress(database)}", summary, StringComparison.Ordinal);
        Assert.Contains($"UI {service.BaseUrl}/ ", summary, StringComparison.Ordinal);
        Assert.Contains($"Swagger {service.BaseUrl}/swagger", summary, StringComparison.Ordinal);
        Assert.Contains($"health {service.BaseUrl}/health/ready", summary, StringComparison.Ordinal);
    }
}
