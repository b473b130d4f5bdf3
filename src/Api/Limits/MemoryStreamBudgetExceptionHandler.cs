using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Sluice.Data.Memory;

namespace Sluice.Api.Limits;

/// <summary>
/// An append or a stream creation that would take memory streams past <c>Limits:MemoryStreamBytes</c> answers
/// 507 Insufficient Storage naming the limit (SPEC §8), not 500: nothing was changed, and other streams work on.
/// </summary>
internal sealed class MemoryStreamBudgetExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not MemoryStreamBudgetExceededException exceeded)
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status507InsufficientStorage;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status507InsufficientStorage,
                Title = "Memory streams are full",
                Detail = exceeded.Message,
                Extensions = { ["limit"] = "Limits:MemoryStreamBytes", ["stream"] = exceeded.Stream },
            },
            Exception = exception,
        });
    }
}
