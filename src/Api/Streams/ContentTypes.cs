using Microsoft.Net.Http.Headers;
using Sluice.Data.Ingest;

namespace Sluice.Api.Streams;

internal static class ContentTypes
{
    public const string Ndjson = "application/x-ndjson";

    /// <summary>Maps a Content-Type header to a body format; null when it is not one we accept.</summary>
    public static BodyFormat? ToBodyFormat(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return null;
        }
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return media.MediaType.Value?.ToLowerInvariant() switch
        {
            "application/json" => BodyFormat.Json,
            Ndjson or "application/ndjson" or "application/jsonl" => BodyFormat.Ndjson,
            _ => null,
        };
    }
}
