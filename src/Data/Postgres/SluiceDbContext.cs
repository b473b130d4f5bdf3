using Microsoft.EntityFrameworkCore;

namespace Sluice.Data.Postgres;

/// <summary>
/// The catalog in PostgreSQL. Only definitions live here; events go through Npgsql directly
/// (<see cref="PostgresStreamLog"/>) into tables of the <see cref="EventTables.Schema"/> schema.
/// </summary>
public sealed class SluiceDbContext(DbContextOptions<SluiceDbContext> options) : DbContext(options)
{
    public DbSet<StreamRecord> Streams => Set<StreamRecord>();

    public DbSet<QueryRecord> Queries => Set<QueryRecord>();

    public DbSet<QueryCheckpointRecord> QueryCheckpoints => Set<QueryCheckpointRecord>();

    public DbSet<QueryJournalRecord> QueryJournal => Set<QueryJournalRecord>();

    public DbSet<ApiKeyRecord> ApiKeys => Set<ApiKeyRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var stream = modelBuilder.Entity<StreamRecord>();
        stream.ToTable("streams");
        stream.HasKey(s => s.Name);
        stream.Property(s => s.Name).HasColumnName("name").HasMaxLength(63);
        stream.Property(s => s.Storage).HasColumnName("storage").HasMaxLength(16);
        stream.Property(s => s.TimestampField).HasColumnName("timestamp_field");
        stream.Property(s => s.WatermarkDelay).HasColumnName("watermark_delay");
        stream.Property(s => s.Capacity).HasColumnName("capacity");
        stream.Property(s => s.Schema).HasColumnName("schema").HasColumnType("jsonb");
        stream.Property(s => s.CreatedAt).HasColumnName("created_at");
        stream.Property(s => s.OutputOf).HasColumnName("output_of").HasMaxLength(63);
        QueryTables.Configure(modelBuilder);
        KeyTables.Configure(modelBuilder);
    }
}
