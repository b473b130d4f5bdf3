using System.Collections.Concurrent;
using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>The catalog used when no PostgreSQL is configured: definitions last as long as the process.</summary>
public sealed class MemoryStreamCatalog : IStreamCatalog
{
    private readonly ConcurrentDictionary<string, StreamDefinition> definitions = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<StreamDefinition>> LoadAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StreamDefinition>>(definitions.Values.ToList());

    public Task<bool> TryAddAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        Task.FromResult(definitions.TryAdd(definition.Name, definition));

    public Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        definitions.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    public Task UpdateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        definitions[definition.Name] = definition;
        return Task.CompletedTask;
    }
}
