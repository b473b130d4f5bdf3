using Microsoft.Net.Http.Headers;
using Sluice.Data.Ingest;

namespace Sluice.Api.Streams;

internal static class ContentTypes
{
    public const string Ndjson = "application/x-ndjson";

    /// <summary>Maps a Content-Type header to a body format; null when it is not one we accept.</summary>
    public static BodyFormat? ToBodyFormat(string? contentType)
    {
        // The forms clients send most, recognised without parsing the header into objects (once per append).
        switch (contentType)
        {
            case "application/json" or "application/json; charset=utf-8":
                return BodyFormat.Json;
            case Ndjson or "application/x-ndjson; charset=utf-8":
                return BodyFormat.Ndjson;
        }
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
