using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Turns request-binding failures (malformed JSON in a request body, a non-numeric query
/// parameter, an oversized body) into problem+json that says what was wrong, instead of a bare status.
/// The framework's messages name .NET types (<c>Sluice.Api.Streams.CreateStreamRequest</c>, <c>Dictionary`2</c>,
/// <c>Int64</c>); the answer says where in the body or which parameter instead.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = Describe(bad) },
            Exception = exception,
        });
    }

    internal static string Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var where = json.Path is { Length: > 0 } path ? $" at {path} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1})" : "";
            return TypeName().IsMatch(json.Message)
                ? $"The request body has a value of the wrong type{where}."
                : $"The request body is not valid JSON: {json.Message}";
        }
        // "Failed to bind parameter "long from" from "x"." → "Failed to bind parameter 'from' from "x"."
        var message = Parameter().Replace(bad.Message, m => $"'{m.Groups["name"].Value}'");
        return TypeName().IsMatch(message) ? "The request could not be read; check its body and parameters against the API documentation at /swagger." : message;
    }

    /// <summary><c>"Type name"</c> as the framework quotes a parameter.</summary>
    [GeneratedRegex("\"[A-Za-z0-9_.`\\[\\]<>?, ]+ (?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex Parameter();

    /// <summary>A namespace-qualified or generic .NET type name.</summary>
    [GeneratedRegex(@"\b(System|Sluice|Microsoft)\.[A-Za-z]|`\d|\bSystem\b")]
    private static partial Regex TypeName();
}
