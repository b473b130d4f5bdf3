using Npgsql;

namespace Sluice.Data.Postgres;

public static class PostgresDataSource
{
    // A 1,000-event batch is ~150 kB of COPY data; Npgsql's default 8 kB write buffer flushes it in ~20
    // pieces, and each flush arms a timeout token (ResettableCancellationTokenSource.Start showed ~10% of
    // server CPU in the profile, docs/storage.md). One buffer of 256 kB sends a batch in one or two writes.
    private const int WriteBufferSize = 256 * 1024;

    /// <summary>The data source shared by the catalog (through EF Core) and the event hot path.</summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.WriteBufferSize < WriteBufferSize)
        {
            builder.ConnectionStringBuilder.WriteBufferSize = WriteBufferSize;
        }
        return builder.Build();
    }
}
