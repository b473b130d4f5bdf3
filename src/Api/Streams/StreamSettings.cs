using System.Globalization;
using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

/// <summary>The <c>Streams</c> configuration section.</summary>
public static class StreamSettings
{
    public const string IdempotencyWindowKey = "Streams:IdempotencyWindow";

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
}
