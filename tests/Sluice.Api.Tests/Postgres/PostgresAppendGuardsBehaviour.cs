using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.Postgres;

/// <summary>One app on a database of its own for the append-guards suite.</summary>
public sealed class PostgresAppendGuardsFixture(PostgresServer server) : IAsyncLifetime
{
    public SluiceApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = new SluiceApp(await server.DatabaseForAsync(nameof(PostgresAppendGuardsBehaviour)));

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAppendGuardsBehaviour(PostgresAppendGuardsFixture fixture)
    : AppendGuardsBehaviour(fixture.App, "postgres"), IClassFixture<PostgresAppendGuardsFixture>;
