using Sluice.Nexmark;

namespace Sluice.Reactive.Tests.Nexmark;

/// <summary>
/// The events the Nexmark tests share: 30,000 events at 1,000 events per second of event time
/// (30 s: three tumbling windows, fifteen hop windows), enough for q2's auction 2087 to exist.
/// </summary>
internal static class NexmarkTestEvents
{
    public static readonly NexmarkConfig Config = new() { Seed = 7, EventsPerSecond = 1_000 };

    private static readonly Lazy<List<NexmarkEvent>> Shared = new(() => NexmarkGenerator.Generate(30_000, Config));

    public static IReadOnlyList<NexmarkEvent> Events => Shared.Value;
}
