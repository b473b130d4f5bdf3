namespace Sluice.Api.Infrastructure;

/// <summary>
/// Lets <c>ArrayPool&lt;byte&gt;.Shared</c> keep enough buffers for thousands of SignalR connections sending at once.
/// </summary>
/// <remarks>
/// Every hub send rents a 4 KiB segment for the connection's pipe (SignalR's transport pipes use the shared pool) and
/// returns it once the WebSocket has sent it. When one append is fanned out to 10,000 subscribers, 10,000 segments are
/// out at once; the pool keeps only 32 per size per core by default, so almost every rent allocated a new array and
/// every return dropped it: about a fifth of the service's CPU during delivery was clearing and page-faulting that
/// fresh memory (docs/benchmarks-live.md, "Fan-out with the C# client"). The runtime reads the limit from the
/// environment once, at the pool's first use, so it is set before anything else runs; an operator's own value wins.
/// What the pool keeps is what a burst had out at once, and the pool trims arrays left unused after a full collection.
/// </remarks>
internal static class SharedArrayPoolSize
{
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays of each size kept per pool partition (one partition per core).</summary>
    public const int ArraysPerPartition = 8192;

    public static void Apply()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, ArraysPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
