using Npgsql;

namespace Sluice.Api.Cluster;

/// <summary>
/// The tables and queries Orleans' ADO.NET clustering provider reads and writes, created by each node at start (idempotent,
/// under an advisory lock, like the EF catalog's migrations). The provider runs the SQL it finds in <c>OrleansQuery</c> by
/// key, with named parameters (<c>@DeploymentId</c>, <c>@Address</c>…), and reads result columns by name; the statements
/// below are ours, written as single statements (CTEs) rather than PL/pgSQL functions. Inserts and updates of
/// membership rows return 1 when they applied and 0 when the table version moved meanwhile (Orleans then retries).
/// </summary>
internal static class OrleansSchema
{
    // "orleans" in ASCII: serializes the DDL of nodes starting at once.
    private const long DdlLockKey = 0x6F72_6C65_616E_73;

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS OrleansQuery (
            QueryKey varchar(64) PRIMARY KEY,
            QueryText varchar(8000) NOT NULL
        );
        CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable (
            DeploymentId varchar(150) PRIMARY KEY,
            Timestamp timestamptz(3) NOT NULL DEFAULT now(),
            Version integer NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS OrleansMembershipTable (
            DeploymentId varchar(150) NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
            Address varchar(45) NOT NULL,
            Port integer NOT NULL,
            Generation integer NOT NULL,
            SiloName varchar(150) NOT NULL,
            HostName varchar(150) NOT NULL,
            Status integer NOT NULL,
            ProxyPort integer NULL,
            SuspectTimes varchar(8000) NULL,
            StartTime timestamptz(3) NOT NULL,
            IAmAliveTime timestamptz(3) NOT NULL,
            PRIMARY KEY (DeploymentId, Address, Port, Generation)
        );
        """;

    private const string MembershipColumns = """
        v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
        m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
        """;

    /// <summary>The statements by key (the keys the provider of Microsoft.Orleans.Clustering.AdoNet 10.4.2 asks for).</summary>
    private static readonly Dictionary<string, string> Queries = new(StringComparer.Ordinal)
    {
        ["UpdateIAmAlivetimeKey"] = """
            UPDATE OrleansMembershipTable SET IAmAliveTime = @IAmAliveTime
            WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
            """,
        ["InsertMembershipVersionKey"] = """
            WITH created AS (
                INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId)
                ON CONFLICT (DeploymentId) DO NOTHING RETURNING 1)
            SELECT count(*)::integer FROM created
            """,
        // The version row is bumped first (its row lock orders concurrent writers); the new row goes in only when it was.
        ["InsertMembershipKey"] = """
            WITH bumped AS (
                UPDATE OrleansMembershipVersionTable SET Timestamp = now(), Version = Version + 1
                WHERE DeploymentId = @DeploymentId AND Version = @Version
                  AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable
                                  WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation)
                RETURNING 1),
            inserted AS (
                INSERT INTO OrleansMembershipTable
                    (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
                SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                WHERE EXISTS (SELECT 1 FROM bumped)
                ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*)::integer FROM inserted
            """,
        ["UpdateMembershipKey"] = """
            WITH bumped AS (
                UPDATE OrleansMembershipVersionTable SET Timestamp = now(), Version = Version + 1
                WHERE DeploymentId = @DeploymentId AND Version = @Version
                RETURNING 1),
            updated AS (
                UPDATE OrleansMembershipTable
                SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
                WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
                  AND EXISTS (SELECT 1 FROM bumped)
                RETURNING 1)
            SELECT count(*)::integer FROM updated
            """,
        ["MembershipReadRowKey"] = $"""
            SELECT {MembershipColumns}
            FROM OrleansMembershipVersionTable v
            LEFT JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
                AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
            WHERE v.DeploymentId = @DeploymentId
            """,
        ["MembershipReadAllKey"] = $"""
            SELECT {MembershipColumns}
            FROM OrleansMembershipVersionTable v
            LEFT JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
            WHERE v.DeploymentId = @DeploymentId
            """,
        ["DeleteMembershipTableEntriesKey"] = """
            WITH gone AS (DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId RETURNING 1)
            DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId
            """,
        ["GatewaysQueryKey"] = """
            SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
            WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0
            """,
        // Dead (6) rows of silos that stopped heartbeating before the cut-off.
        ["CleanupDefunctSiloEntriesKey"] = """
            DELETE FROM OrleansMembershipTable
            WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status = 6
            """,
    };

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A command without parameters may hold several statements (a batch command may not).
        await using (var create = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({DdlLockKey}); {Tables}", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (key, text) in Queries)
        {
            // Replaced at every start, so a release that changes a statement takes effect without a migration.
            var upsert = new NpgsqlBatchCommand(
                "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ($1, $2) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText");
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            batch.BatchCommands.Add(upsert);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
