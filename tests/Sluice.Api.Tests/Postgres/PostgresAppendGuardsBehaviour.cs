using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAppendGuardsBehaviour(PostgresAppFixture<PostgresAppendGuardsBehaviour> fixture)
    : AppendGuardsBehaviour(fixture.App, "postgres"), IClassFixture<PostgresAppFixture<PostgresAppendGuardsBehaviour>>;
