using Npgsql;

namespace Sluice.Data.Cluster;

/// <summary>Who hosts which query, with the epoch that fences its writes (table <c>sluice_query_owners</c>).</summary>
public sealed class QueryOwners(NpgsqlDataSource dataSource, ClusterMode cluster)
{
    /// <summary>One query's owner.</summary>
    public sealed record Owner(string Query, long Epoch, string Node, DateTimeOffset TakenAt);

    /// <summary>
    /// Makes this node the owner of <paramref name="query"/> and returns its new epoch. Holds the query's fence lock
    /// exclusively, the lock every fenced write of the previous owner holds shared from its epoch check to its commit: that
    /// owner's writes either committed before (and are visible to this node's recovery) or will find the new epoch and fail.
    /// It takes no other lock, so it never waits for a writer that waits for something else (docs/cluster.md, "Fencing").
    /// </summary>
    public async Task<long> TakeAsync(string query, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var lockFence = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(sluice_fence_key($1))");
        lockFence.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query });
        batch.BatchCommands.Add(lockFence);
        var take = new NpgsqlBatchCommand("""
            INSERT INTO sluice_query_owners (query, epoch, node, taken_at) VALUES ($1, 1, $2, now())
            ON CONFLICT (query) DO UPDATE SET epoch = sluice_query_owners.epoch + 1, node = EXCLUDED.node, taken_at = EXCLUDED.taken_at
            RETURNING epoch
            """);
        take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query });
        take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.NodeName });
        batch.BatchCommands.Add(take);
        // One batch without a transaction: one implicit transaction, so the lock is held until the new epoch commits.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt64(0);
    }

    /// <summary>The current owner epoch of <paramref name="query"/>; 0 when no node has taken it.</summary>
    public async Task<long> EpochOfAsync(string query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT epoch FROM sluice_query_owners WHERE query = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query });
        return await command.ExecuteScalarAsync(cancellationToken) is long epoch ? epoch : 0;
    }

    public async Task<IReadOnlyList<Owner>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT query, epoch, node, taken_at FROM sluice_query_owners ORDER BY query");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var owners = new List<Owner>();
        while (await reader.ReadAsync(cancellationToken))
        {
            owners.Add(new Owner(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return owners;
    }
}
