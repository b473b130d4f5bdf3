namespace Sluice.Api.Limits;

/// <summary>The <c>Limits</c> section (SPEC §8): what one caller or one query may take of the process.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>API requests per second per credential; 0 = unlimited.</summary>
    public int Requests { get; set; }

    /// <summary>Appended events per second per credential; 0 = unlimited.</summary>
    public int Events { get; set; }

    /// <summary>Hub connections held at once per credential; 0 = unlimited.</summary>
    public int Connections { get; set; }

    /// <summary>Most windows one event may fall into (a HOP's size / slide); larger windows are refused at validate.</summary>
    public int MaxWindowsPerEvent { get; set; } = Reactive.QueryLimits.Default.MaxWindowsPerEvent;

    /// <summary>Most state entries (groups, windows, join rows) one query may hold; beyond it the query faults.</summary>
    public long QueryStateRows { get; set; } = Reactive.QueryLimits.Default.StateRows;

    /// <summary>
    /// Bytes all memory streams together may hold (payloads plus about 100 bytes per event, plus 8 per ring slot);
    /// 0 = unlimited. Default: a quarter of the memory available to the process (the machine's, or the container's limit).
    /// </summary>
    public long MemoryStreamBytes { get; set; } = DefaultMemoryStreamBytes;

    /// <summary>
    /// Bytes all live subscribers' buffers may hold together (events read from a stream, not yet taken by the
    /// connection); each subscription may hold an equal share. 0 = unlimited. Default 64 MiB: 2,000 subscribers that
    /// stop reading then hold 32 KiB each, which keeps them within 300 MB of the idle service (docs/benchmarks-live.md).
    /// </summary>
    public long SubscriberBytes { get; set; } = 64L * 1024 * 1024;

    public static long DefaultMemoryStreamBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;

    /// <summary>The <c>Limits</c> section as configured (for settings the data layer needs before the container is built).</summary>
    public static LimitsOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<LimitsOptions>() ?? new LimitsOptions();

    /// <summary>The share of a limit at which <c>/health/ready</c> reports Degraded.</summary>
    public const double DegradedShare = 0.8;

    public Reactive.QueryLimits ForQueries => new(MaxWindowsPerEvent, QueryStateRows);
}
