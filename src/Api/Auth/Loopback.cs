using System.Net;

namespace Sluice.Api.Auth;

/// <summary>What counts as "this machine" for protected mode: loopback addresses and names.</summary>
internal static class Loopback
{
    /// <summary>Host names that AllowedHosts accepts by default in protected mode.</summary>
    public static readonly string[] HostNames = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// True for a loopback peer. No address at all means no network peer: the in-process test server, or a Unix
    /// socket, which only local processes can reach.
    /// </summary>
    public static bool IsLocal(IPAddress? address) =>
        address is null || IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>True when a listen URL such as <c>http://localhost:5000</c> or <c>http://[::1]:80</c> binds loopback only.</summary>
    public static bool IsLoopbackUrl(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme < 0 ? url : url[(scheme + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        string host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            host = close < 0 ? rest : rest[1..close];
        }
        else
        {
            var end = rest.IndexOfAny([':', '/']);
            host = end < 0 ? rest : rest[..end];
        }
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
