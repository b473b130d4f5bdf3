using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Api.Streams;

/// <summary>Parses short durations such as <c>500ms</c>, <c>2s</c>, <c>5m</c>, <c>1h</c> (and ISO-8601 <c>PT2S</c>).</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(\d{1,9})\s*(ms|s|m|h)\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ShortForm();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var match = ShortForm().Match(text);
        if (match.Success)
        {
            var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            duration = match.Groups[2].Value.ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
            return duration <= TimeSpan.FromDays(7);
        }
        try
        {
            duration = System.Xml.XmlConvert.ToTimeSpan(text.Trim());
            return duration >= TimeSpan.Zero && duration <= TimeSpan.FromDays(7);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalMilliseconds % 1000 != 0 ? $"{(long)duration.TotalMilliseconds}ms"
        : duration.TotalSeconds % 60 != 0 || duration == TimeSpan.Zero ? $"{(long)duration.TotalSeconds}s"
        : duration.TotalMinutes % 60 != 0 ? $"{(long)duration.TotalMinutes}m"
        : $"{(long)duration.TotalHours}h";
}
