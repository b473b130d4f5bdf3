using Microsoft.EntityFrameworkCore;

namespace Sluice.Data.Postgres;

/// <summary>The durable-query tables of the catalog (migrations <c>AddDurableQueries</c>, <c>AddQueryReplace</c>).</summary>
internal static class QueryTables
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        var query = modelBuilder.Entity<QueryRecord>();
        query.ToTable("queries");
        query.HasKey(q => q.Name);
        query.Property(q => q.Name).HasColumnName("name").HasMaxLength(63);
        query.Property(q => q.Sql).HasColumnName("sql");
        query.Property(q => q.StartFrom).HasColumnName("start_from").HasMaxLength(16);
        query.Property(q => q.State).HasColumnName("state").HasMaxLength(16);
        query.Property(q => q.StartOffsets).HasColumnName("start_offsets");
        query.Property(q => q.CreatedAt).HasColumnName("created_at");
        query.Property(q => q.OutputStart).HasColumnName("output_start");
        query.Property(q => q.BackfillUntil).HasColumnName("backfill_until");

        var checkpoint = modelBuilder.Entity<QueryCheckpointRecord>();
        checkpoint.ToTable("query_checkpoints");
        checkpoint.HasKey(c => c.Query);
        checkpoint.Property(c => c.Query).HasColumnName("query").HasMaxLength(63);
        checkpoint.Property(c => c.FormatVersion).HasColumnName("format_version");
        checkpoint.Property(c => c.InputOffsets).HasColumnName("input_offsets");
        checkpoint.Property(c => c.OutputHead).HasColumnName("output_head");
        checkpoint.Property(c => c.JournalSequence).HasColumnName("journal_sequence");
        checkpoint.Property(c => c.State).HasColumnName("state");
        checkpoint.Property(c => c.TakenAt).HasColumnName("taken_at");

        var journal = modelBuilder.Entity<QueryJournalRecord>();
        journal.ToTable("query_journal");
        journal.HasKey(j => new { j.Query, j.Sequence });
        journal.Property(j => j.Query).HasColumnName("query").HasMaxLength(63);
        journal.Property(j => j.Sequence).HasColumnName("sequence");
        journal.Property(j => j.Input).HasColumnName("input");
        journal.Property(j => j.EndOffset).HasColumnName("end_offset");
    }
}
