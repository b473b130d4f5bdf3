using Microsoft.AspNetCore.SignalR;
using Sluice.Api.Limits;
using Sluice.Api.Live;

namespace Sluice.Api.Auth;

/// <summary>
/// The hub's side of access control: a subscription needs <c>read</c> on its stream, and a credential holds at most
/// <c>Limits:Connections</c> hub connections at once. (Authentication already happened at the hub's HTTP request, in
/// <see cref="AccessGate"/>.)
/// </summary>
internal sealed class HubAccessFilter(ConnectionLimits connections, CredentialConnections byCredential) : IHubFilter
{
    private const string CountedKey = "sluice.connection-counted";

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.HubMethodName == nameof(StreamHub.Subscribe)
            && invocationContext.HubMethodArguments is [string stream, ..]
            && !string.IsNullOrEmpty(stream)
            && !CallerIdentity.ScopesOf(invocationContext.Context.User).Allows(Access.Read, stream))
        {
            throw new HubException($"This credential lacks the scope '{ScopeSet.Name(Access.Read, stream)}'.");
        }
        return next(invocationContext);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var credential = CallerIdentity.Of(context.Context.User)?.Credential ?? "";
        if (!connections.TryEnter(credential))
        {
            throw new HubException($"This credential already holds {connections.Limit} hub connections, the limit set by Limits:Connections.");
        }
        context.Context.Items[CountedKey] = credential;
        byCredential.Add(credential, context.Context);
        try
        {
            await next(context);
        }
        catch
        {
            context.Context.Items.Remove(CountedKey);
            byCredential.Remove(credential, context.Context);
            connections.Leave(credential);
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            if (context.Context.Items.Remove(CountedKey, out var credential))
            {
                byCredential.Remove((string)credential!, context.Context);
                connections.Leave((string)credential!);
            }
        }
    }
}
