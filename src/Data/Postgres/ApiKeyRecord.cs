namespace Sluice.Data.Postgres;

/// <summary>
/// One row of the <c>api_keys</c> table: an API key an admin created at <c>/api/keys</c>. Only the SHA-256 of the
/// secret is stored; the secret itself was shown once, in the answer that created it.
/// </summary>
public sealed class ApiKeyRecord
{
    public required string Name { get; set; }

    /// <summary>Upper-case hex SHA-256 of the secret's UTF-8 bytes.</summary>
    public required string Sha256 { get; set; }

    /// <summary>Space-separated scopes, as granted.</summary>
    public required string Scopes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
