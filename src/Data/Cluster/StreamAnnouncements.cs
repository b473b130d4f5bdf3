namespace Sluice.Data.Cluster;

/// <summary>
/// The payloads nodes send each other on <see cref="ClusterMode.Channel"/>: <c>a &lt;head&gt; &lt;stream&gt;</c> after an
/// append committed, <c>c</c> after the stream catalog changed (a stream created, deleted or redefined).
/// </summary>
public static class StreamAnnouncements
{
    public const string CatalogChanged = "c";

    public static string Appended(string stream, long head) => $"a {head} {stream}";

    /// <summary>Reads an append announcement; false for any other payload.</summary>
    public static bool TryReadAppended(string payload, out string stream, out long head)
    {
        (stream, head) = ("", 0);
        var parts = payload.Split(' ', 3);
        if (parts.Length != 3 || parts[0] != "a" || !long.TryParse(parts[1], out head))
        {
            return false;
        }
        stream = parts[2];
        return true;
    }
}
