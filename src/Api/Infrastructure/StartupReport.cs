using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Sluice.Api.Auth;
using Sluice.Api.Cluster;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Starts the service and says, in one line, how it runs (storage, access) and where its UI, Swagger and health
/// checks are; or, when it cannot start, prints one line saying why (<see cref="StartupFailure"/>) and exits with 1.
/// </summary>
public static class StartupReport
{
    // The host logs a failed start as an error with the whole stack trace, which the process then printed a second
    // time as an unhandled exception. Until the start is over, that error is left to the one line below.
    private static volatile bool started;

    public static ILoggingBuilder QuietStartupErrors(this ILoggingBuilder logging) =>
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (started || level < LogLevel.Error));

    public static async Task RunWithStartupReportAsync(this WebApplication app, string? postgresConnectionString)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception error) when (!UnderTestServer(app))
        {
            await Console.Error.WriteLineAsync(StartupFailure.Describe(error, postgresConnectionString));
            Environment.ExitCode = 1;
            try
            {
                await app.DisposeAsync();
            }
            catch (Exception)
            {
                // Whatever half-started is let go with the process; the line above said what matters.
            }
            return;
        }
        started = true;
        app.Logger.LogInformation("{Summary}", Describe(app, postgresConnectionString));
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sluice.Startup")
            .LogDebug("Start-up: serving requests at {Uptime} after the process started.", Sluice.Reactive.Runtime.ProcessUptime.Now);
        // As WebApplication.Run does: stop on Ctrl+C or SIGTERM, then dispose (queries and stores flush there).
        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
    }

    // WebApplicationFactory learns that a start failed only from the exception, so under its TestServer it passes through.
    private static bool UnderTestServer(WebApplication app) =>
        app.Services.GetService<IServer>()?.GetType().FullName == "Microsoft.AspNetCore.TestHost.TestServer";

    /// <summary>e.g. <c>Sluice is running: memory mode, …; protected mode (loopback clients only). UI http://localhost:5000/ · Swagger … · health …</c></summary>
    public static string Describe(WebApplication app, string? postgresConnectionString)
    {
        var storage = Mode(app.Configuration, postgresConnectionString);
        var auth = AuthOptions.From(app.Configuration);
        var access = auth.HasCredentials ? "every request needs an API key or a JWT"
            : auth.AllowAnonymous ? "anonymous access from any address (Auth:AllowAnonymous)"
            : "protected mode: loopback clients only, no credentials";
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var baseUrl = (addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.FirstOrDefault() ?? "http://localhost:5000")
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .TrimEnd('/');
        var swagger = app.Configuration.GetValue("Sluice:Swagger:Enabled", true) ? $"{baseUrl}/swagger" : "off (Sluice:Swagger:Enabled)";
        return $"Sluice is running: {storage}; {access}. UI {baseUrl}/ · Swagger {swagger} · health {baseUrl}/health/ready";
    }

    /// <summary>
    /// The mode the service runs in, as the startup line names it: memory, one node over PostgreSQL (host:port/database,
    /// never the password), or a node of a cluster (its name, the cluster id and the silo address other nodes reach).
    /// </summary>
    public static string Mode(IConfiguration configuration, string? postgresConnectionString)
    {
        if (string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            return "memory mode, streams and queries in this process only (lost when the service stops)";
        }
        var postgres = $"PostgreSQL at {StartupFailure.PostgresAddress(postgresConnectionString)}";
        var cluster = configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        return cluster.Enabled
            ? $"cluster node '{cluster.ResolvedNodeName}' of cluster '{cluster.ClusterId}' (silo {cluster.Address}:{cluster.SiloPort}) over {postgres}"
            : $"one node over {postgres} (postgres streams, queries and the catalog survive a restart)";
    }
}
