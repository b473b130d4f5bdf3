using Sluice.Api.Live;

namespace Sluice.Api.Auth;

/// <summary>Where a request's credential is: <c>Authorization: Bearer</c>, or <c>access_token</c> on the hub path only.</summary>
internal static class BearerToken
{
    private const string Prefix = "Bearer ";

    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count > 0)
        {
            var value = header[0];
            return value is not null && value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? value[Prefix.Length..].Trim() : null;
        }
        // Browsers cannot set headers on a WebSocket, so SignalR's JavaScript client sends the token in the query.
        // Only the hub accepts it there: elsewhere a token in a URL would end up in logs and browser history.
        if (request.Path.StartsWithSegments(LiveApi.HubPath, StringComparison.Ordinal) && request.Query.TryGetValue("access_token", out var token))
        {
            return token.ToString();
        }
        return null;
    }

    /// <summary>A JWT has three dot-separated parts; API keys have none.</summary>
    public static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2;
}
