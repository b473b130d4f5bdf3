using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Sluice.Client.Tests.Infrastructure;

/// <summary>What reached the service under test: each request's method, path and query, and its <c>Idempotency-Key</c>.</summary>
public sealed class RequestLog : IStartupFilter
{
    private readonly ConcurrentQueue<ReceivedRequest> received = new();

    public IReadOnlyCollection<ReceivedRequest> Received => received;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            var request = context.Request;
            received.Enqueue(new ReceivedRequest(request.Method, request.Path + request.QueryString, request.Headers["Idempotency-Key"].FirstOrDefault()));
            await proceed(context);
        });
        next(app);
    };
}

public sealed record ReceivedRequest(string Method, string PathAndQuery, string? IdempotencyKey);
