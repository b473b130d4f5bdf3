using Sluice.Api.Live;

namespace Sluice.Api.Auth;

/// <summary>Where a request's credential is: <c>Authorization: Bearer</c>, or <c>access_token</c> on the hub path only.</summary>
internal static class BearerToken
{
    private const string Prefix = "Bearer ";

    /// <summary>
    /// The token of an <c>Authorization: Bearer</c> header as a slice of the header's value (no copy), when there is
    /// such a header; false otherwise (no header, another scheme, or a hub request whose token may be in the query:
    /// use <see cref="From"/> then).
    /// </summary>
    public static bool TryFromHeader(HttpRequest request, out ReadOnlySpan<char> token)
    {
        token = default;
        var header = request.Headers.Authorization;
        if (header.Count == 0 || header[0] is not { } value || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        token = value.AsSpan(Prefix.Length).Trim();
        return true;
    }

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
    public static bool LooksLikeJwt(ReadOnlySpan<char> token) => token.Count('.') == 2;
}
