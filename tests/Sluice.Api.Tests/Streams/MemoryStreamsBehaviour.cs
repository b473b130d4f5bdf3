using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Streams;

public sealed class MemoryAppFixture : IDisposable
{
    public SluiceApp App { get; } = new();

    public void Dispose() => App.Dispose();
}

public sealed class MemoryStreamsBehaviour(MemoryAppFixture fixture) : StreamsBehaviour(fixture.App, "memory"), IClassFixture<MemoryAppFixture>;
