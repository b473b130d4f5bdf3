namespace Sluice.Reactive;

/// <summary>
/// What one query may take of the process (SPEC §8). <see cref="MaxWindowsPerEvent"/> is checked when the query is
/// compiled; <see cref="StateRows"/> while it runs, by <see cref="QueryStats"/>, which every stateful operator
/// reports its state to.
/// </summary>
/// <param name="MaxWindowsPerEvent">Most windows one event may fall into: a HOP's size divided by its slide.</param>
/// <param name="StateRows">Most state entries (groups, windows, join rows, distinct rows) the query may hold.</param>
public sealed record QueryLimits(int MaxWindowsPerEvent, long StateRows)
{
    public static readonly QueryLimits Default = new(1000, 10_000_000);

    /// <summary>The setting that names <see cref="MaxWindowsPerEvent"/> in messages.</summary>
    public const string MaxWindowsPerEventSetting = "Limits:MaxWindowsPerEvent";

    /// <summary>The setting that names <see cref="StateRows"/> in messages.</summary>
    public const string StateRowsSetting = "Limits:QueryStateRows";
}

/// <summary>A query went past one of its <see cref="QueryLimits"/> while running; the query ends (faults), others run on.</summary>
public sealed class QueryLimitException(string message) : Exception(message);
