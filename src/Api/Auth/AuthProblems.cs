namespace Sluice.Api.Auth;

/// <summary>401 and 403 answers as problem+json, naming what is missing.</summary>
internal static class AuthProblems
{
    public static async Task WriteAsync(HttpContext context, int status, string detail, string? scope = null)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Detail = detail };
        if (scope is not null)
        {
            problem.Extensions["scope"] = scope;
        }
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    /// <summary>A valid credential without the scope an operation needs.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Forbidden(Access access, string name)
    {
        var scope = ScopeSet.Name(access, name);
        return TypedResults.Problem(
            detail: $"This credential lacks the scope '{scope}' (or a prefix pattern or admin that covers it).",
            statusCode: StatusCodes.Status403Forbidden,
            extensions: new Dictionary<string, object?> { ["scope"] = scope });
    }
}
