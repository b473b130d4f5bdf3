using System.Net;
using Orleans.Configuration;
using Sluice.Data.Cluster;
using Sluice.Reactive.Runtime.Cluster;

namespace Sluice.Api.Cluster;

public static class ClusterSetup
{
    /// <summary>
    /// With <c>Cluster:Enabled=true</c>, makes this process one node of a cluster (docs/cluster.md): an Orleans silo
    /// clustered through the PostgreSQL of <c>ConnectionStrings:Postgres</c>, hosting queries as grains, following other
    /// nodes' appends. Otherwise registers nothing, and no Orleans code runs.
    /// </summary>
    public static WebApplicationBuilder AddSluiceCluster(this WebApplicationBuilder builder, string? postgres)
    {
        var settings = builder.Configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new ClusterSettings();
        builder.Services.AddSingleton(settings);
        if (!settings.Enabled)
        {
            return builder;
        }
        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new InvalidOperationException("Cluster:Enabled needs PostgreSQL: set ConnectionStrings__Postgres (every node of a cluster uses the same database).");
        }
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        // Orleans' placement logs every retry of its resilience pipeline at Information.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddSingleton(new ClusterMode(settings.ResolvedNodeName));
        builder.Services.AddSingleton<QueryOwners>();
        builder.Services.AddSingleton<StreamAnnouncementListener>();
        builder.Services.AddSingleton<IQueryPlacement, OrleansQueryPlacement>();
        builder.Services.AddClusterMemoryStreams();
        // Hosted services start in this order: the tables, then the silo, then what uses it.
        builder.Services.AddHostedService<ClusterStartup>();
        builder.UseOrleans(silo =>
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = postgres;
            });
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = "sluice";
            });
            silo.Configure<SiloOptions>(o => o.SiloName = settings.ResolvedNodeName);
            silo.ConfigureEndpoints(IPAddress.Parse(settings.Address), settings.SiloPort, settings.GatewayPort);
            silo.Configure<ClusterMembershipOptions>(ClusterFailureDetection.Configure);
            silo.AddGrainExtension<IQueryMetricsExtension, QueryMetricsExtension>();
        });
        builder.Services.AddHostedService<StreamAnnouncementService>();
        builder.Services.AddHostedService<ClusterQueryCoordinator>();
        return builder;
    }
}

/// <summary>
/// Orleans' failure detection, tuned so that a dead node's queries move within about five seconds (docs/cluster.md,
/// "Failover"). Orleans' defaults (5 s probe timeout, 3 missed probes, then the votes) take 15-20 s or more.
/// </summary>
internal static class ClusterFailureDetection
{
    public static void Configure(ClusterMembershipOptions options)
    {
        // Each node probes up to 3 others every ProbeTimeout; 3 missed probes in a row make it suspect a node (the last
        // one indirect, through another node), and 2 suspicions (votes) from different nodes declare it dead. A killed
        // process refuses connections at once, so its probes fail fast rather than time out: about 3 s to a death.
        // Two missed probes were too few: on a starved machine a node that had just (re)started and was still compiling
        // its code answered two probes late, was declared dead while alive, and stopped itself (docs/cluster.md).
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 3;
        options.NumVotesForDeathDeclaration = 2;
        // Re-read the membership table often, so a node that missed a gossip message still learns of a death soon.
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
    }
}
