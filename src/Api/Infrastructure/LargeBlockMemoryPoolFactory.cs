using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Sluice.Api.Infrastructure;

/// <summary>Puts a <see cref="LargeBlockMemoryPool"/> in front of every pool Kestrel's own factory creates.</summary>
internal sealed class LargeBlockMemoryPoolFactory(IMemoryPoolFactory<byte> kestrelPools) : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool(kestrelPools.Create(options));
}

internal static class LargeBlockMemoryPoolRegistration
{
    /// <summary>
    /// Replaces the connection memory pool factory Kestrel registered (in <c>WebApplication.CreateBuilder</c>) with one
    /// that wraps it, so its 4 KiB pools, their eviction and their metrics stay as they were behind the large blocks.
    /// </summary>
    public static IServiceCollection AddLargeReceiveBlocks(this IServiceCollection services)
    {
        if (services.LastOrDefault(d => d.ServiceType == typeof(IMemoryPoolFactory<byte>)) is not { } kestrel)
        {
            return services; // not hosted by Kestrel
        }
        services.Remove(kestrel);
        services.AddSingleton<IMemoryPoolFactory<byte>>(provider => new LargeBlockMemoryPoolFactory(Resolve(kestrel, provider)));
        return services;
    }

    private static IMemoryPoolFactory<byte> Resolve(ServiceDescriptor registered, IServiceProvider provider) => (IMemoryPoolFactory<byte>)(
        registered.ImplementationInstance
        ?? registered.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!));
}
