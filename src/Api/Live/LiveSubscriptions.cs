using System.Diagnostics.Metrics;

namespace Sluice.Api.Live;

/// <summary>
/// Counts live subscriptions, for tests (a disconnect can be seen to release its pump) and as
/// OpenTelemetry metrics (meter <c>Sluice.Live</c>): subscriptions running, started, and ended by reason.
/// </summary>
public sealed class LiveSubscriptions
{
    public const string MeterName = "Sluice.Live";

    private readonly Counter<long> startedCounter;
    private readonly Counter<long> endedCounter;
    private long active;
    private long started;

    public LiveSubscriptions(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableUpDownCounter("sluice.live.subscriptions.active", () => Active, "{subscription}", "Live subscriptions running now.");
        startedCounter = meter.CreateCounter<long>("sluice.live.subscriptions.started", "{subscription}", "Live subscriptions started.");
        endedCounter = meter.CreateCounter<long>("sluice.live.subscriptions.ended", "{subscription}",
            "Live subscriptions ended, tagged with reason: cancelled (client left), fell_behind, subscriber_bytes, evicted, stream_deleted, failed.");
    }

    /// <summary>Pumps running right now.</summary>
    public long Active => Interlocked.Read(ref active);

    /// <summary>Pumps ever started.</summary>
    public long Started => Interlocked.Read(ref started);

    internal void OnStarted()
    {
        Interlocked.Increment(ref started);
        Interlocked.Increment(ref active);
        startedCounter.Add(1);
    }

    internal void OnEnded(SubscriptionEnd reason)
    {
        Interlocked.Decrement(ref active);
        endedCounter.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(reason)));
    }

    private static string ReasonTag(SubscriptionEnd reason) => reason switch
    {
        SubscriptionEnd.Cancelled => "cancelled",
        SubscriptionEnd.FellBehind => "fell_behind",
        SubscriptionEnd.OverBudget => "subscriber_bytes",
        SubscriptionEnd.Evicted => "evicted",
        SubscriptionEnd.StreamDeleted => "stream_deleted",
        _ => "failed",
    };
}
