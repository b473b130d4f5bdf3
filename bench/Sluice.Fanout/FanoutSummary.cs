namespace Sluice.Fanout;

/// <summary>
/// One fan-out run, with load.mjs's field names (so runs of either client read alike) and the CPU windows it adds:
/// the service's CPU from the first POST to the last delivery, and over an idle window of connected subscribers.
/// </summary>
public sealed record FanoutSummary
{
    public string Scenario { get; init; } = "fanout";
    public string Client { get; init; } = "dotnet";
    public required string Storage { get; init; }
    public required string Stream { get; init; }
    public required int Subscribers { get; init; }
    public int Processes { get; init; } = 1;
    public required int Events { get; init; }
    public required int TargetRate { get; init; }
    public required double ConnectSeconds { get; init; }
    public required int ConnectRetries { get; init; }
    public required int ConnectionsClosed { get; init; }
    public required double AchievedPostRate { get; init; }
    public required double PostRoundTripP50Ms { get; init; }
    public required double PostRoundTripP99Ms { get; init; }
    public required double PostSeconds { get; init; }
    public required long ExpectedDeliveries { get; init; }
    public required long Delivered { get; init; }
    public required bool Complete { get; init; }
    public required int SubscribersIncomplete { get; init; }
    public required int SubscribersOutOfOrder { get; init; }
    public required int ErrorCount { get; init; }
    public required IReadOnlyList<string> Errors { get; init; }
    public required long DeliveryRate { get; init; }
    public required double DrainSecondsAfterLastPost { get; init; }
    public required int SampledSubscribers { get; init; }
    public required double LatencyP50Ms { get; init; }
    public required double LatencyP90Ms { get; init; }
    public required double LatencyP99Ms { get; init; }
    public required double LatencyMaxMs { get; init; }

    /// <summary>From the first POST to the last delivery (all subscribers connected and subscribed before).</summary>
    public required double DeliveryWindowSeconds { get; init; }
    public required double? ServiceCpuSeconds { get; init; }
    public required long? DeliveriesPerServiceCpuSecond { get; init; }
    public required double? ServiceCpuPerDeliveryUs { get; init; }

    /// <summary>The service's CPU with every subscriber connected and no events, over <see cref="IdleWindowSeconds"/>.</summary>
    public required double IdleWindowSeconds { get; init; }
    public required double? ServiceCpuIdleSeconds { get; init; }

    /// <summary>The idle rate over the delivery window's length: what the connections cost without events.</summary>
    public required double? ServiceCpuIdleOverDeliveryWindowSeconds { get; init; }

    /// <summary>(delivery window CPU − idle CPU over the same length) / deliveries.</summary>
    public required double? ServiceCpuAboveIdlePerDeliveryUs { get; init; }

    /// <summary>This process (subscribers and pacer), the whole run and over the delivery window.</summary>
    public required double ClientCpuSeconds { get; init; }
    public required double ClientCpuDeliveryWindowSeconds { get; init; }
    public required double? ClientCpuPerDeliveryUs { get; init; }
}
