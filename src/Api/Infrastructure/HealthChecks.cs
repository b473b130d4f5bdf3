using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sluice.Api.Infrastructure;

public static class HealthChecks
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddSluiceHealthChecks(this IServiceCollection services, string? postgres)
    {
        var checks = services.AddHealthChecks();
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            checks.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        }
        return services;
    }

    public static IEndpointRouteBuilder MapSluiceHealthChecks(this IEndpointRouteBuilder app)
    {
        // Liveness runs no checks: the process answers, so it is alive.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .WithTags("Health").WithSummary("Liveness: the process is up.");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) })
            .WithTags("Health").WithSummary("Readiness: PostgreSQL answers, when configured.");
        return app;
    }
}
