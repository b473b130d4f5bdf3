using Sluice.Api.Streams;
using Sluice.Data.Ingest;

namespace Sluice.Api.Tests.Streams;

/// <summary>Which Content-Type headers an append accepts, and as which body format; the common forms skip the header parser.</summary>
public sealed class ContentTypesTests
{
    [Theory]
    [InlineData("application/json", BodyFormat.Json)]
    [InlineData("application/json; charset=utf-8", BodyFormat.Json)]
    [InlineData("Application/JSON", BodyFormat.Json)]
    [InlineData("application/json;charset=UTF-8", BodyFormat.Json)]
    [InlineData("application/x-ndjson", BodyFormat.Ndjson)]
    [InlineData("application/x-ndjson; charset=utf-8", BodyFormat.Ndjson)]
    [InlineData("application/ndjson", BodyFormat.Ndjson)]
    [InlineData("application/jsonl", BodyFormat.Ndjson)]
    public void Accepted_types_map_to_their_format(string contentType, BodyFormat expected) =>
        Assert.Equal(expected, ContentTypes.ToBodyFormat(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/x-ndjson; charset=utf-16")]
    [InlineData("application/json, text/plain")]
    [InlineData("application/jsonx")]
    public void Other_types_are_refused(string? contentType) =>
        Assert.Null(ContentTypes.ToBodyFormat(contentType));
}
