namespace Sluice.Api.Auth;

/// <summary>The <c>Auth</c> section: credentials, protected mode and browser origins (SPEC §8, docs/security.md).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>API keys by name: each with <c>Secret</c> or <c>Sha256</c> (hex digest of the secret) and <c>Scopes</c>.</summary>
    public Dictionary<string, ApiKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    public JwtOptions Jwt { get; set; } = new();

    /// <summary>With no credential configured, serve every client, not only loopback ones (protected mode off).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Browser origins besides the service's own that may call the API and open the hub's WebSocket.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>True when an API key or a JWT issuer is configured: then every API call needs a credential.</summary>
    public bool HasCredentials => Keys.Count > 0 || Jwt.IsConfigured;

    /// <summary>No credential configured and anonymous access not allowed: only loopback clients are served.</summary>
    public bool ProtectedMode => !HasCredentials && !AllowAnonymous;

    /// <summary>Reads the section. <c>AllowedOrigins</c> may be an array or one string separated by <c>;</c> or <c>,</c>.</summary>
    public static AuthOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        var origins = section.GetSection(nameof(AllowedOrigins));
        if (origins.Value is { } joined)
        {
            options.AllowedOrigins = joined.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries);
        }
        return options;
    }
}

public sealed class ApiKeyOptions
{
    /// <summary>The key itself, as callers send it.</summary>
    public string? Secret { get; set; }

    /// <summary>Hex SHA-256 of the key, so the configuration need not hold the secret.</summary>
    public string? Sha256 { get; set; }

    /// <summary>Space-separated scopes, e.g. <c>read:nexmark_* write:bid</c> or <c>admin</c>.</summary>
    public string? Scopes { get; set; }
}

public sealed class JwtOptions
{
    /// <summary>OpenID Connect issuer whose signing keys are fetched from its metadata.</summary>
    public string? Authority { get; set; }

    /// <summary>A symmetric HMAC key (UTF-8, at least 32 bytes), for tests and single-service setups.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Checked against the token's <c>aud</c> when set.</summary>
    public string? Audience { get; set; }

    /// <summary>Checked against the token's <c>iss</c> when set.</summary>
    public string? Issuer { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
