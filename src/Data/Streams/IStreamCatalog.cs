namespace Sluice.Data.Streams;

/// <summary>Where stream definitions are kept: in memory, or in PostgreSQL so they survive a restart.</summary>
public interface IStreamCatalog
{
    Task<IReadOnlyList<StreamDefinition>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Adds the definition; false when the name is taken.</summary>
    Task<bool> TryAddAsync(StreamDefinition definition, CancellationToken cancellationToken);

    Task RemoveAsync(string name, CancellationToken cancellationToken);

    /// <summary>Replaces the stored definition of an existing stream (a replaced query's output gets its new schema).</summary>
    Task UpdateAsync(StreamDefinition definition, CancellationToken cancellationToken);
}
