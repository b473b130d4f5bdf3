using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Sluice.Data.Memory;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Limits;

/// <summary>
/// <c>/health/ready</c> turns Degraded when something is near a limit that would start refusing or faulting: a
/// running query holding most of <c>Limits:QueryStateRows</c>, a credential holding most of <c>Limits:Connections</c>,
/// memory streams holding most of <c>Limits:MemoryStreamBytes</c>, or subscriber buffers most of <c>Limits:SubscriberBytes</c>. All are counters already kept, so the check
/// costs one pass over the queries.
/// </summary>
internal sealed class LimitsHealthCheck(
    QueryRegistry queries, ConnectionLimits connections, MemoryStreamBudget memoryStreams, SubscriberBudget subscribers, IOptions<LimitsOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var limits = options.Value;
        var near = new List<string>();
        if (limits.QueryStateRows > 0)
        {
            var threshold = (long)(limits.QueryStateRows * LimitsOptions.DegradedShare);
            foreach (var query in queries.List())
            {
                if (query.State == QueryState.Running && query.Run?.Stats.StateSize is { } size && size >= threshold)
                {
                    near.Add($"query '{query.Name}' holds {size:N0} of {limits.QueryStateRows:N0} state entries (Limits:QueryStateRows)");
                }
            }
        }
        if (connections.Limit > 0 && connections.Busiest() >= connections.Limit * LimitsOptions.DegradedShare)
        {
            near.Add($"a credential holds {connections.Busiest()} of {connections.Limit} hub connections (Limits:Connections)");
        }
        if (memoryStreams.Limit != long.MaxValue && memoryStreams.Used >= memoryStreams.Limit * LimitsOptions.DegradedShare)
        {
            near.Add($"memory streams hold {memoryStreams.Used:N0} of {memoryStreams.Limit:N0} bytes (Limits:MemoryStreamBytes)");
        }
        if (subscribers.Limit > 0 && subscribers.Used >= subscribers.Limit * LimitsOptions.DegradedShare)
        {
            near.Add($"live subscribers' buffers hold {subscribers.Used:N0} of {subscribers.Limit:N0} bytes (Limits:SubscriberBytes)");
        }
        return Task.FromResult(near.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded(string.Join("; ", near) + "."));
    }
}
