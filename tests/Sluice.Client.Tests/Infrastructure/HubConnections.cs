using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;

namespace Sluice.Client.Tests.Infrastructure;

/// <summary>A hub filter that sees every hub connection of the service under test, and can abort them from the server's side.</summary>
public sealed class HubConnections : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> open = new();
    private readonly ConcurrentQueue<string?> accessTokens = new();
    private int opened;

    /// <summary>Connections opened since the service started.</summary>
    public int Opened => Volatile.Read(ref opened);

    /// <summary>The bearer token each connection presented (header or <c>access_token</c> query parameter), in order.</summary>
    public IReadOnlyCollection<string?> AccessTokens => accessTokens;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        open[context.Context.ConnectionId] = context.Context;
        var request = context.Context.GetHttpContext()?.Request;
        var header = request?.Headers.Authorization.FirstOrDefault();
        accessTokens.Enqueue(header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..]
            : request?.Query["access_token"].FirstOrDefault());
        Interlocked.Increment(ref opened);
        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        open.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    /// <summary>Drops every open connection at once, as a network failure or a proxy restart would; returns how many.</summary>
    public int AbortAll()
    {
        var count = 0;
        foreach (var (id, connection) in open)
        {
            if (open.TryRemove(id, out _))
            {
                connection.Abort();
                count++;
            }
        }
        return count;
    }
}
