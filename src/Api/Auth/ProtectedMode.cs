namespace Sluice.Api.Auth;

/// <summary>
/// Protected mode, as Redis has it: with no API key and no JWT issuer configured, the service serves loopback
/// clients only, and refuses to start on any other address unless <c>Auth:AllowAnonymous=true</c> says that
/// anonymous access from anywhere is meant.
/// </summary>
public static class ProtectedMode
{
    /// <summary>
    /// The one line to print and exit with when the configured listen addresses include a non-loopback one and
    /// nothing protects them; null when the service may start.
    /// </summary>
    public static string? RefusalReason(IConfiguration configuration)
    {
        if (!AuthOptions.From(configuration).ProtectedMode)
        {
            return null;
        }
        var exposed = ListenUrls(configuration).Where(url => !Loopback.IsLoopbackUrl(url)).ToList();
        return exposed.Count == 0
            ? null
            : $"Sluice refuses to listen on {string.Join(", ", exposed)}: no API key or JWT issuer is configured (protected mode), " +
              "so anyone who can reach that address could read and delete every stream. Configure Auth:Keys:<name>:Secret or Auth:Jwt " +
              "(docs/security.md), listen on localhost, or set Auth:AllowAnonymous=true to serve everyone without credentials.";
    }

    /// <summary>Where Kestrel will listen: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, appsettings), the port settings, and Kestrel endpoints.</summary>
    private static IEnumerable<string> ListenUrls(IConfiguration configuration)
    {
        var urls = Split(configuration["urls"]);
        foreach (var url in urls)
        {
            yield return url;
        }
        // HTTP_PORTS / HTTPS_PORTS (ASPNETCORE_HTTP_PORTS in container images) bind every interface; Kestrel uses them when no urls are set.
        foreach (var key in urls.Length == 0 ? new[] { "http_ports", "https_ports" } : [])
        {
            foreach (var port in Split(configuration[key]))
            {
                yield return $"http://*:{port}";
            }
        }
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                yield return url;
            }
        }
    }

    private static string[] Split(string? value) =>
        value?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
