using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.Postgres;

/// <summary>One app on a database of its own for the whole behaviour suite.</summary>
public sealed class PostgresAppFixture(PostgresServer server) : IAsyncLifetime
{
    public SluiceApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = new SluiceApp(await server.DatabaseForAsync(nameof(PostgresStreamsBehaviour)));

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStreamsBehaviour(PostgresAppFixture fixture) : StreamsBehaviour(fixture.App, "postgres"), IClassFixture<PostgresAppFixture>;
