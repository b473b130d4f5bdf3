namespace Sluice.Data.Cluster;

/// <summary>
/// The payloads nodes send each other on <see cref="ClusterMode.Channel"/>: <c>a &lt;head&gt; &lt;writer&gt; &lt;stream&gt;</c>
/// after an append committed (the writer is <see cref="ClusterMode.Writer"/> of the node that appended), <c>c</c> after the
/// stream catalog changed (a stream created, deleted or redefined).
/// </summary>
public static class StreamAnnouncements
{
    public const string CatalogChanged = "c";

    public static string Appended(string stream, long head, string writer) => $"a {head} {writer} {stream}";

    /// <summary>Reads an append announcement; false for any other payload.</summary>
    public static bool TryReadAppended(string payload, out string stream, out long head, out string writer)
    {
        (stream, head, writer) = ("", 0, "");
        var parts = payload.Split(' ', 4);
        if (parts.Length != 4 || parts[0] != "a" || !long.TryParse(parts[1], out head))
        {
            return false;
        }
        (writer, stream) = (parts[2], parts[3]);
        return true;
    }
}
