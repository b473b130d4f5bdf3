using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Data.Ingest;

namespace Sluice.Api.Infrastructure;

/// <summary>The API's problem+json answers, each saying what was wrong and where.</summary>
public static class Problems
{
    public static ProblemHttpResult Status(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);

    public static ProblemHttpResult BadRequest(string detail, string? field = null) =>
        Status(StatusCodes.Status400BadRequest, detail, field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, detail);

    public static ProblemHttpResult StreamNotFound(string name) =>
        Status(StatusCodes.Status404NotFound, $"There is no stream named '{name}'.", new Dictionary<string, object?> { ["stream"] = name });

    public static ProblemHttpResult Gone(string stream, long from, long firstRetained) =>
        Status(StatusCodes.Status410Gone,
            $"Offset {from} of stream '{stream}' is no longer retained; the first retained offset is {firstRetained}.",
            new Dictionary<string, object?> { ["stream"] = stream, ["firstRetainedOffset"] = firstRetained });

    public static ProblemHttpResult InvalidEvent(IngestError error)
    {
        var extensions = new Dictionary<string, object?>();
        if (error.Item is { } item)
        {
            extensions["item"] = item;
        }
        if (error.Line is { } line)
        {
            extensions["line"] = line;
        }
        if (error.Field is { } field)
        {
            extensions["field"] = field;
        }
        var where = error.Item is { } i && !error.Detail.StartsWith("Item", StringComparison.Ordinal) ? $"Item {i}: " : "";
        return TypedResults.Problem(detail: where + error.Detail, statusCode: StatusCodes.Status400BadRequest,
            title: "The events were rejected; nothing was appended.", extensions: extensions);
    }
}
