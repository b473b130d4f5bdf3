using Npgsql;

namespace Sluice.Data.Cluster;

/// <summary>
/// The cluster's own tables and functions, created at start by every node (idempotent, under an advisory lock so that
/// nodes starting together do not race). Kept out of the EF migrations: a database that never runs a cluster never
/// holds them. docs/cluster.md explains the fencing they implement.
/// </summary>
public static class ClusterTables
{
    // Serializes the DDL of nodes starting at once ("sluice-cluster-ddl").
    private const long DdlLockKey = 0x736C_6364_646C;

    /// <summary>
    /// One row per query that was ever hosted: its current owner's epoch and node. Taking a query over bumps the epoch
    /// while holding the query's fence lock exclusively; every fenced write holds it shared from its epoch check to its
    /// commit, so a write fenced with an older epoch either committed before the takeover or fails.
    /// <c>sluice_stream_lock</c> is the stream's offset lock, held by a writer from reading the head to committing
    /// (docs/cluster.md, "Offsets with several writers"). The two locks are separate so that a write can take its fence
    /// last, after its COPY, and a takeover never waits for a writer that waits for rows (no deadlock).
    /// </summary>
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS sluice_query_owners (
            query varchar(63) PRIMARY KEY,
            epoch bigint NOT NULL,
            node varchar(150) NOT NULL,
            taken_at timestamptz NOT NULL
        );
        CREATE OR REPLACE FUNCTION sluice_stream_lock(stream text) RETURNS void LANGUAGE sql AS
            $$ SELECT pg_advisory_xact_lock(hashtextextended('sluice-stream:' || stream, 0)) $$;
        CREATE OR REPLACE FUNCTION sluice_fence_key(query text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
            $$ SELECT hashtextextended('sluice-fence:' || query, 0) $$;
        CREATE OR REPLACE FUNCTION sluice_fence(query text, expected bigint) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE current bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(sluice_fence_key(query));
            -- A new statement, so a new snapshot: it sees any takeover that committed before the lock was granted.
            SELECT o.epoch INTO current FROM sluice_query_owners o WHERE o.query = sluice_fence.query;
            IF current IS DISTINCT FROM expected THEN
                RAISE EXCEPTION 'query % is owned by epoch %, not %: it moved to another node', query, current, expected
                    USING ERRCODE = 'SLF01';
            END IF;
        END $$;
        """;

    /// <summary>The SQLSTATE of a write refused because its query moved to another node.</summary>
    public const string FencedSqlState = "SLF01";

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockDdl = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({DdlLockKey})", connection, transaction))
        {
            await lockDdl.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var create = new NpgsqlCommand(Ddl, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>True when <paramref name="error"/> is a write refused by <c>sluice_fence</c>.</summary>
    public static bool IsFenced(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: FencedSqlState })
            {
                return true;
            }
        }
        return false;
    }
}
