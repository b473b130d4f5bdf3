using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

/// <summary>One app on a database of its own, named after <typeparamref name="TSuite"/>, for a whole behaviour suite.</summary>
public sealed class PostgresAppFixture<TSuite>(PostgresServer server) : IAsyncLifetime
{
    public SluiceApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = new SluiceApp(await server.DatabaseForAsync(typeof(TSuite).Name));

    public async Task DisposeAsync() => await App.DisposeAsync();
}
