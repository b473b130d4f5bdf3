using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Client;

/// <summary>Reads the hub's error messages (docs/live.md, "Errors"): which ones name an offset to resume from.</summary>
internal static partial class HubErrors
{
    /// <summary>
    /// The offset a "fell behind" error says to resume from: <c>subscriber fell behind; resume from offset 12345</c>,
    /// or <c>…; offset 7 of stream 'x' was evicted; resume from the first retained offset 100</c>. Null for other errors.
    /// </summary>
    public static long? ResumeOffset(string message) =>
        ResumeFrom().Match(message) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The first retained offset named by "Offset N of stream 'x' is no longer retained; the first retained offset is M."</summary>
    public static long? FirstRetainedOffset(string message) =>
        NoLongerRetained().Match(message) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// True when the error is the hub's answer to the subscription (SignalR words it "An error occurred on the server
    /// while streaming results. …" or "An unexpected error occurred invoking 'Subscribe' …"); false for errors about
    /// the connection itself (e.g. "The server closed the connection with the following error: …"), which a reconnect can cure.
    /// </summary>
    public static bool IsAnswerToSubscribe(string message) =>
        message.Contains("HubException: ", StringComparison.Ordinal)
        || message.StartsWith("An error occurred on the server while streaming results", StringComparison.Ordinal)
        || message.StartsWith("An unexpected error occurred invoking", StringComparison.Ordinal);

    /// <summary>The service's own words, without SignalR's "An error occurred … HubException: " prefix.</summary>
    public static string ServiceMessage(string message)
    {
        const string marker = "HubException: ";
        var at = message.LastIndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }

    [GeneratedRegex(@"resume from (?:the first retained )?offset (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ResumeFrom();

    [GeneratedRegex(@"no longer retained; the first retained offset is (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex NoLongerRetained();
}
