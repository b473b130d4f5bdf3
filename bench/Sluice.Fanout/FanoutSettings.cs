namespace Sluice.Fanout;

/// <summary>The fan-out scenario: the options of <c>load.mjs fanout</c>, plus the idle window.</summary>
public sealed record FanoutSettings(Uri BaseUrl)
{
    public int Subscribers { get; init; } = 1000;

    /// <summary>Events per second the pacer POSTs.</summary>
    public int Rate { get; init; } = 100;

    public int Seconds { get; init; } = 10;

    /// <summary>Connections started together; the next wave starts when the last one is subscribed.</summary>
    public int Wave { get; init; } = 50;

    public int WavePauseMs { get; init; }

    /// <summary>Every n-th subscriber records latencies.</summary>
    public int SampleEvery { get; init; } = 10;

    /// <summary>The service's process, to read its CPU time from /proc.</summary>
    public int? ServicePid { get; init; }

    /// <summary>
    /// How long to measure the service's CPU with every subscriber connected and no events, before the pacer starts
    /// (the idle cost of the connections). 0 skips it.
    /// </summary>
    public double IdleSeconds { get; init; } = 10;

    /// <summary>Wait after the last subscriber subscribed, before the idle window (the service sets up the subscriptions).</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for deliveries after the last POST was answered.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string Storage { get; init; } = "memory";

    /// <summary>Events to POST, when not <see cref="Rate"/> × <see cref="Seconds"/> (a short check at a rate the pacer never has to wait for).</summary>
    public int? EventCount { get; init; }

    public int Events => EventCount ?? Rate * Seconds;
}
