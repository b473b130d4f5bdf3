using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStreamsBehaviour(PostgresAppFixture<PostgresStreamsBehaviour> fixture)
    : StreamsBehaviour(fixture.App, "postgres"), IClassFixture<PostgresAppFixture<PostgresStreamsBehaviour>>;
