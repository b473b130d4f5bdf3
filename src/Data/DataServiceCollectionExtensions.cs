using Microsoft.Extensions.DependencyInjection;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the stream store: the memory engine always; the PostgreSQL engine and a durable
    /// catalog when <paramref name="postgresConnectionString"/> is set.
    /// </summary>
    public static IServiceCollection AddStreamStore(this IServiceCollection services, string? postgresConnectionString)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IStreamEngine, MemoryStreamEngine>();
        if (string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            services.AddSingleton<IStreamCatalog, MemoryStreamCatalog>();
        }
        else
        {
            // The PostgreSQL engine and catalog are registered here (src/Data/Postgres).
            throw new NotSupportedException("PostgreSQL storage is not built yet.");
        }
        services.AddSingleton<StreamStore>();
        return services;
    }
}
