using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Cluster;

/// <summary>One node of a real-process cluster: the service process with its cluster settings, and a client for it.</summary>
internal sealed class ClusterServiceNode : IAsyncDisposable
{
    public ClusterServiceNode(string name, string database, string clusterId)
    {
        Name = name;
        Service = new ServiceProcess(database, new Dictionary<string, string>
        {
            ["Cluster:Enabled"] = "true",
            ["Cluster:NodeName"] = name,
            ["Cluster:SiloPort"] = LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = clusterId,
        });
        // HttpClient's default timeout (100 s): a node's first grain call compiles Orleans' code paths, which takes tens of
        // seconds on a saturated machine; a stopping node ends its requests within Kestrel's 30 s shutdown anyway.
        Http = new HttpClient { BaseAddress = new Uri(Service.BaseUrl) };
    }

    /// <summary>Generous: on a loaded machine a node (JIT, Orleans join validation) can take minutes to start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(300);

    public string Name { get; }

    public ServiceProcess Service { get; }

    public HttpClient Http { get; }

    /// <summary>When the node last reported that it listens (UTC).</summary>
    public DateTime StartedAt { get; private set; }

    public async Task StartAsync()
    {
        Assert.True(await Service.StartAsync(StartTimeout), $"{Name} did not start:\n{Fatal(Service.Log)}{Tail(Service.Log)}");
        StartedAt = DateTime.UtcNow;
    }

    /// <summary>
    /// The node's process as a failure message should name it: running, or exited with its code and how long after it had
    /// reported listening (a node that refuses connections has usually exited: Orleans stops a node it was told is dead).
    /// </summary>
    public string State => Service.Current switch
    {
        null => $"{Name}: not started",
        { HasExited: true } process => $"{Name}: exited with code {process.ExitCode}, {(process.ExitTime.ToUniversalTime() - StartedAt).TotalSeconds:F1} s after it reported listening " +
                                       $"({StartedAt:HH:mm:ss.fff} UTC){(Fatal(Service.Log) is { Length: > 0 } fatal ? "; its fatal lines:\n" + fatal : "")}",
        var process => $"{Name}: running (pid {process.Id}), listening since {StartedAt:HH:mm:ss.fff} UTC",
    };

    /// <summary>
    /// The lines of <paramref name="log"/> that say why Orleans stopped the process (its fatal error handler prints a long
    /// stack after them, which would push them out of <see cref="Tail"/>), or nothing.
    /// </summary>
    public static string Fatal(string log) =>
        string.Concat(log.Split('\n').Where(l => l.StartsWith("FATAL", StringComparison.Ordinal) || l.Contains("I have been told I am dead", StringComparison.Ordinal))
            .Take(3).Select(l => l.Trim() + "\n"));

    /// <summary>Sends a signal (KILL, TERM, STOP, CONT) to the node's process while it runs.</summary>
    public void Signal(string signal)
    {
        if (Service.Current is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>A graceful stop (SIGTERM, as <c>scripts/cluster.sh stop</c> and a deployment send); returns once the process has exited.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (Service.Current is { HasExited: false } process)
        {
            Signal("TERM");
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
    }

    /// <summary>
    /// The node of <paramref name="live"/> that hosts <paramref name="query"/> (as <c>GET /api/cluster</c> on the live nodes
    /// says), other than <paramref name="except"/>; fails after <paramref name="timeout"/>.
    /// </summary>
    public static Task<ClusterServiceNode> HostOfAsync(IReadOnlyList<ClusterServiceNode> live, string query, ClusterServiceNode? except, TimeSpan timeout) =>
        ClusterNodesTests.EventuallyAsync<ClusterServiceNode>(async () =>
        {
            foreach (var asked in live)
            {
                try
                {
                    var cluster = await asked.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                    foreach (var member in cluster.GetProperty("nodes").EnumerateArray())
                    {
                        var name = member.GetProperty("name").GetString();
                        if (member.GetProperty("status").GetString() == "active"
                            && member.GetProperty("queries").EnumerateArray().Any(q => q.GetString() == query)
                            && live.FirstOrDefault(x => x.Name == name) is { } host && host != except)
                        {
                            return host;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // That node is going away; ask another.
                }
            }
            return null;
        }, $"no live node hosts {query} after {timeout.TotalSeconds} s", timeout);

    public static string Tail(string log) => log.Length > 12000 ? log[^12000..] : log;

    public async ValueTask DisposeAsync()
    {
        Signal("CONT");
        Http.Dispose();
        await Service.DisposeAsync();
    }
}
