using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Sluice.Api.Auth;

/// <summary>
/// The hub connections open per credential, so that revoking a key (<c>DELETE /api/keys/{name}</c>) also closes the
/// connections it opened: authentication happens once per connection, and a revoked key must stop at once.
/// </summary>
public sealed class CredentialConnections
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> open = new(StringComparer.Ordinal);

    internal void Add(string credential, HubCallerContext context) =>
        open.GetOrAdd(credential, _ => new ConcurrentDictionary<string, HubCallerContext>(StringComparer.Ordinal))[context.ConnectionId] = context;

    internal void Remove(string credential, HubCallerContext context)
    {
        if (open.TryGetValue(credential, out var connections))
        {
            connections.TryRemove(context.ConnectionId, out _);
        }
    }

    /// <summary>Closes every hub connection of <paramref name="credential"/>; returns how many.</summary>
    public int CloseAll(string credential)
    {
        if (!open.TryGetValue(credential, out var connections))
        {
            return 0;
        }
        var closed = 0;
        foreach (var (_, context) in connections)
        {
            context.Abort();
            closed++;
        }
        return closed;
    }
}
