using System.Globalization;
using Sluice.Api.Streams;

namespace Sluice.Api.Queries;

/// <summary>The <c>Queries</c> configuration settings that SPEC §7 names.</summary>
public static class QuerySettings
{
    public const string CheckpointIntervalKey = "Queries:CheckpointInterval";

    /// <summary>
    /// <c>Queries:CheckpointInterval</c>: how often a durable query checkpoints, as <c>1s</c>, <c>500ms</c> or a .NET time
    /// span (<c>00:00:01</c>); <c>0s</c> turns checkpoints off; null when unset (the default, 1 s, holds). A value that is
    /// not a duration stops the start-up with a clear error.
    /// </summary>
    public static TimeSpan? CheckpointInterval(IConfiguration configuration)
    {
        var text = configuration[CheckpointIntervalKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if ((Durations.TryParse(text, out var interval) || TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out interval)) && interval >= TimeSpan.Zero)
        {
            return interval;
        }
        throw new InvalidOperationException($"{CheckpointIntervalKey} is '{text}'; write a duration such as '1s', '500ms' or '00:00:01' ('0s' turns checkpoints off).");
    }
}
