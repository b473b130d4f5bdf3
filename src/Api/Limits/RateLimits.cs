using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Sluice.Api.Auth;

namespace Sluice.Api.Limits;

/// <summary>
/// <c>Limits:Requests</c> and <c>Limits:Events</c> per credential, with ASP.NET Core's rate limiter: a token bucket per
/// credential holding one second's worth, refilled every second. Over the limit → 429 with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddSluiceLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section));
        services.AddSingleton<ConnectionLimits>();
        services.AddSingleton<SubscriberBudget>();
        services.AddExceptionHandler<MemoryStreamBudgetExceptionHandler>();
        services.AddSingleton<EventRateLimits>();
        services.AddHealthChecks().AddCheck<LimitsHealthCheck>("limits", tags: [Infrastructure.HealthChecks.ReadyTag]);
        var requests = configuration.GetValue($"{LimitsOptions.Section}:{nameof(LimitsOptions.Requests)}", 0);
        if (requests > 0)
        {
            services.AddRateLimiter(o =>
            {
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
                        ? RateLimitPartition.GetTokenBucketLimiter(CallerIdentity.Of(context.User)?.Credential ?? "", _ => PerSecond(requests))
                        : RateLimitPartition.GetNoLimiter(""));
                o.OnRejected = (rejected, _) =>
                {
                    var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                    return RejectAsync(rejected.HttpContext, retryAfter, $"This credential sent more than {requests} requests in a second, the limit set by Limits:Requests.");
                };
            });
        }
        return services;
    }

    /// <summary>Adds the request limiter when <c>Limits:Requests</c> is set; after <see cref="AccessGate"/>, which names the caller.</summary>
    public static WebApplication UseSluiceRateLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.Requests > 0)
        {
            app.UseRateLimiter();
        }
        return app;
    }

    internal static TokenBucketRateLimiterOptions PerSecond(int permits) => new()
    {
        TokenLimit = permits,
        TokensPerPeriod = permits,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    internal static async ValueTask RejectAsync(HttpContext context, TimeSpan retryAfter, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        await AuthProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, detail);
    }

    internal static string RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary><c>Limits:Events</c>: events appended per second per credential.</summary>
public sealed class EventRateLimits(IOptions<LimitsOptions> options) : IDisposable
{
    private readonly int limit = Math.Max(0, options.Value.Events);
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(
        credential => RateLimitPartition.GetTokenBucketLimiter(credential, _ => RateLimits.PerSecond(Math.Max(1, options.Value.Events))));

    /// <summary>Null when <paramref name="count"/> events may be appended now; otherwise why not and when to retry.</summary>
    public (string Detail, TimeSpan RetryAfter)? Refuse(System.Security.Claims.ClaimsPrincipal user, int count)
    {
        if (limit == 0)
        {
            return null;
        }
        if (count > limit)
        {
            return ($"A batch of {count} events is more than this credential may append in a second ({limit}, Limits:Events); split it.", TimeSpan.FromSeconds(1));
        }
        using var lease = limiter.AttemptAcquire(CallerIdentity.Of(user)?.Credential ?? "", count);
        if (lease.IsAcquired)
        {
            return null;
        }
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return ($"This credential appended more than {limit} events in a second, the limit set by Limits:Events.", wait);
    }

    public void Dispose() => limiter.Dispose();
}
