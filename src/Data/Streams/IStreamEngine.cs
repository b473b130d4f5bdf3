namespace Sluice.Data.Streams;

/// <summary>A storage engine: creates, opens and drops the logs of its streams.</summary>
public interface IStreamEngine
{
    StorageKind Kind { get; }

    /// <summary>Creates the storage for a new stream.</summary>
    Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken);

    /// <summary>Opens the storage of a stream that the catalog already holds (at start-up).</summary>
    Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken);

    /// <summary>
    /// False while a stream that another cluster node is creating has its catalog row but not yet its storage
    /// (<see cref="StreamStore.SyncAsync"/> opens it at the next announcement instead).
    /// </summary>
    Task<bool> IsReadyAsync(StreamDefinition definition, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Called after the stream's schema changed in the catalog (<see cref="StreamStore.RedefineAsync"/>); a cluster node tells the others.</summary>
    Task RedefinedAsync(StreamDefinition definition, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Removes the stream's events.</summary>
    Task DropAsync(StreamLog log, CancellationToken cancellationToken);
}
