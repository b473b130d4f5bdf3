using System.Net;
using Npgsql;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

/// <summary>The database itself keeps postgres streams append-only, whatever SQL reaches it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AppendOnlyTests(PostgresServer server) : IAsyncLifetime
{
    private SluiceApp app = null!;
    private string database = "";

    public async Task InitializeAsync()
    {
        database = await server.DatabaseForAsync(nameof(AppendOnlyTests));
        app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "ledger", storage = "postgres" });
        using var appended = await app.AppendAsync("ledger", """[{"amount":10},{"amount":20}]""");
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
    }

    public async Task DisposeAsync()
    {
        using var client = app.CreateClient();
        using var _ = await client.DeleteAsync("/api/streams/ledger");
        await app.DisposeAsync();
    }

    [Theory]
    [InlineData("UPDATE sluice_events.ledger SET data = '{\"amount\":0}'")]
    [InlineData("DELETE FROM sluice_events.ledger WHERE \"offset\" = 0")]
    [InlineData("TRUNCATE sluice_events.ledger")]
    public async Task Database_rejects_rewriting_events(string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.RestrictViolation, error.SqlState);
        Assert.Contains("append-only", error.MessageText);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM sluice_events.ledger", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync());
    }
}
