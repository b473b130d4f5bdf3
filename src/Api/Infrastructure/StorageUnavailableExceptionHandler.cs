using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Sluice.Data.Postgres;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Answers 503 with Retry-After, instead of 500, when a request failed because PostgreSQL is unreachable or
/// restarting (or this service is re-taking its ownership guard): the client should retry, and nothing it was
/// told had succeeded is lost. With an Idempotency-Key, retrying an append whose first try got 503 is safe.
/// </summary>
internal sealed class StorageUnavailableExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!PostgresFailures.IsUnavailable(exception))
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = exception is Data.Streams.StorageUnavailableException
                    ? exception.Message
                    : "PostgreSQL is unreachable or restarting; retry shortly (appends with an Idempotency-Key are safe to retry).",
            },
            Exception = exception,
        });
    }
}
