using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Sluice.Data.Cluster;
using Sluice.Data.Postgres;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Ready when PostgreSQL answers and this service holds the database's ownership guard (so it may write); a cluster node
/// takes no guard (docs/cluster.md), so for it PostgreSQL answering is enough.
/// </summary>
internal sealed class PostgresHealthCheck(IConfiguration configuration, StreamOwnership ownership, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        switch (services.GetService<ClusterMode>() is null ? ownership.State : OwnershipState.Held)
        {
            case OwnershipState.Lost:
                return HealthCheckResult.Unhealthy("Another Sluice service took over the streams of this database; this one no longer writes.");
            case OwnershipState.Retaking:
                return HealthCheckResult.Unhealthy("PostgreSQL went away; re-taking ownership of the streams.");
            case OwnershipState.NotHeld:
                return HealthCheckResult.Unhealthy("Not the owner of the database's streams (starting or stopping).");
        }
        try
        {
            await using var connection = new NpgsqlConnection(configuration.GetConnectionString("Postgres"));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", ex);
        }
    }
}
