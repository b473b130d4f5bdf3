using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.Postgres;

/// <summary>Keys are kept for <c>Streams:IdempotencyWindow</c> and forgotten after it, on both engines, in virtual time.</summary>
[Collection(PostgresCollection.Name)]
public sealed class IdempotencyWindowTests(PostgresServer server)
{
    private static readonly Dictionary<string, string?> OneHourWindow = new() { ["Streams:IdempotencyWindow"] = "1h" };

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task A_key_is_kept_for_the_window_and_forgotten_after_it(string storage)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var database = await server.CreateDatabaseAsync(nameof(IdempotencyWindowTests) + storage);
        await using var app = new FakeClockApp(clock, database, OneHourWindow);
        await app.CreateStreamOrFailAsync(new { name = "windowed", storage });
        using var client = app.CreateClient();
        using (var first = await Appends.PostAsync(client, "windowed", """{"n":1}""", key: "k"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        clock.Advance(TimeSpan.FromMinutes(59));
        using (var withinWindow = await Appends.PostAsync(client, "windowed", """{"n":1}""", key: "k"))
        {
            Assert.True(withinWindow.Headers.Contains("Idempotent-Replayed"));
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        if (storage == "postgres")
        {
            // The pruner runs on the clock too: the row goes without any append touching the key.
            await Eventually.UntilAsync(() => CountKeysAsync(database), n => n == 0, "the expired key to be pruned");
        }
        using var afterWindow = await Appends.PostAsync(client, "windowed", """{"n":1}""", key: "k");
        Assert.Equal(HttpStatusCode.OK, afterWindow.StatusCode);
        Assert.False(afterWindow.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, (await afterWindow.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstOffset").GetInt64());
    }

    [Fact]
    public async Task An_expired_key_not_yet_pruned_is_treated_as_new()
    {
        // A window of 2 hours prunes every 30 minutes (12:30, 13:00, …), so an expired row can outlive its expiry by up to 30 minutes.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var database = await server.CreateDatabaseAsync(nameof(An_expired_key_not_yet_pruned_is_treated_as_new));
        await using var app = new FakeClockApp(clock, database, new Dictionary<string, string?> { ["Streams:IdempotencyWindow"] = "2h" });
        await app.CreateStreamOrFailAsync(new { name = "late", storage = "postgres" });
        using var client = app.CreateClient();
        clock.Advance(TimeSpan.FromMinutes(5));
        using (var first = await Appends.PostAsync(client, "late", """{"n":1}""", key: "k"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // 14:06: past the key's expiry (12:05 + 2 h), but the pruner ticked last at 14:00 (removing keys from 12:00 and before).
        clock.Advance(TimeSpan.FromMinutes(115));
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(1, await CountKeysAsync(database));
        using var again = await Appends.PostAsync(client, "late", """{"n":2}""", key: "k");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstOffset").GetInt64());
    }

    private static async Task<long> CountKeysAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM idempotency_keys", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
