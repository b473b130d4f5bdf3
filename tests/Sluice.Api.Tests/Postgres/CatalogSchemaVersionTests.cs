using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sluice.Data.Postgres;

namespace Sluice.Api.Tests.Postgres;

/// <summary>The plain check that lets a start over a current catalog skip EF Core's Migrate (docs/benchmarks.md, "Recovery timeline").</summary>
[Collection(PostgresCollection.Name)]
public sealed class CatalogSchemaVersionTests(PostgresServer server)
{
    [Fact]
    public void The_known_migrations_are_exactly_those_EF_Core_applies()
    {
        var options = new DbContextOptionsBuilder<SluiceDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options;
        using var db = new SluiceDbContext(options);

        Assert.Equal(db.Database.GetMigrations().Order(StringComparer.Ordinal), CatalogSchemaVersion.Known.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_new_database_is_not_current_a_migrated_one_is_and_one_missing_a_migration_is_not()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_new_database_is_not_current_a_migrated_one_is_and_one_missing_a_migration_is_not));
        await using var dataSource = NpgsqlDataSource.Create(database);
        Assert.False(await CatalogSchemaVersion.IsCurrentAsync(dataSource, CancellationToken.None));

        await using (var app = new Infrastructure.SluiceApp(database))
        {
            // Starting the service migrates the catalog.
            using var client = app.CreateClient();
            Assert.True((await client.GetAsync("/health/ready")).IsSuccessStatusCode);
        }
        Assert.True(await CatalogSchemaVersion.IsCurrentAsync(dataSource, CancellationToken.None));

        var latest = CatalogSchemaVersion.Known.Max(StringComparer.Ordinal)!;
        await using (var forget = dataSource.CreateCommand("DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = $1"))
        {
            forget.Parameters.Add(new NpgsqlParameter<string> { TypedValue = latest });
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }
        Assert.False(await CatalogSchemaVersion.IsCurrentAsync(dataSource, CancellationToken.None));
    }
}
