using System.Globalization;
using Sluice.Data.Postgres;
using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

/// <summary>The <c>Streams</c> configuration section.</summary>
public static class StreamSettings
{
    public const string IdempotencyWindowKey = "Streams:IdempotencyWindow";

    public const string PostgresGroupsInFlightKey = "Streams:PostgresGroupsInFlight";

    /// <summary>
    /// <c>Streams:IdempotencyWindow</c>: how long append keys are kept, as <c>24h</c>, <c>90m</c> or a .NET time span
    /// (<c>1.00:00:00</c>); default 24 hours. A value that is not a positive duration stops the start-up with a clear error.
    /// </summary>
    public static TimeSpan IdempotencyWindow(IConfiguration configuration)
    {
        var text = configuration[IdempotencyWindowKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return IdempotencyKeys.DefaultWindow;
        }
        if ((Durations.TryParse(text, out var window) || TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out window)) && window > TimeSpan.Zero)
        {
            return window;
        }
        throw new InvalidOperationException($"{IdempotencyWindowKey} is '{text}'; write a positive duration such as '24h', '90m' or '1.00:00:00'.");
    }

    /// <summary>
    /// <c>Streams:PostgresGroupsInFlight</c>: how many groups of appends a postgres stream has between planning and commit,
    /// 1 to 8; default 1 (<see cref="PostgresAppendOptions.GroupsInFlight"/>). Anything else stops the start-up with a clear error.
    /// </summary>
    public static int PostgresGroupsInFlight(IConfiguration configuration)
    {
        var text = configuration[PostgresGroupsInFlightKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return PostgresAppendOptions.DefaultGroupsInFlight;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var groups) && groups is >= 1 and <= PostgresAppendOptions.MaxGroupsInFlight)
        {
            return groups;
        }
        throw new InvalidOperationException($"{PostgresGroupsInFlightKey} is '{text}'; write a whole number from 1 to {PostgresAppendOptions.MaxGroupsInFlight}.");
    }
}
