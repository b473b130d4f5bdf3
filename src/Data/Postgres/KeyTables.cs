using Microsoft.EntityFrameworkCore;

namespace Sluice.Data.Postgres;

/// <summary>The API key table of the catalog (migration <c>AddApiKeys</c>).</summary>
internal static class KeyTables
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        var key = modelBuilder.Entity<ApiKeyRecord>();
        key.ToTable("api_keys");
        key.HasKey(k => k.Name);
        key.Property(k => k.Name).HasColumnName("name").HasMaxLength(63);
        key.Property(k => k.Sha256).HasColumnName("sha256").HasMaxLength(64).IsFixedLength();
        key.Property(k => k.Scopes).HasColumnName("scopes");
        key.Property(k => k.CreatedAt).HasColumnName("created_at");
        key.HasIndex(k => k.Sha256).IsUnique();
    }
}
