using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Streams;
using Sluice.Data.Postgres;

namespace Sluice.Api.Tests.Postgres;

/// <summary>The ownership guard when its session ends under a running service.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OwnershipGuardTests(PostgresServer server)
{
    // StreamOwnership's advisory lock key ("sluice" in ASCII).
    private const long LockKey = 0x736C_7569_6365;

    [Fact]
    public async Task A_guard_session_that_ends_is_taken_again_and_the_head_read_back()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_guard_session_that_ends_is_taken_again_and_the_head_read_back));
        await using var app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "kept", storage = "postgres" });
        using var client = app.CreateClient();
        using (var first = await Appends.PostAsync(client, "kept", """{"n":1}"""))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        var ownership = app.Services.GetRequiredService<StreamOwnership>();
        var epoch = ownership.Epoch;

        await TerminateGuardSessionAsync(database);

        await Eventually.UntilAsync(() => ownership.Epoch, e => e > epoch, "the guard to be taken again");
        Assert.Equal(OwnershipState.Held, ownership.State);
        using var next = await Appends.PostAsync(client, "kept", """{"n":2}""");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(2, await Appends.HeadAsync(client, "kept"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task When_another_service_takes_the_guard_meanwhile_this_one_stops_writing_and_is_unhealthy()
    {
        var database = await server.CreateDatabaseAsync(nameof(When_another_service_takes_the_guard_meanwhile_this_one_stops_writing_and_is_unhealthy));
        await using var app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "contested", storage = "postgres" });
        using var client = app.CreateClient();
        var ownership = app.Services.GetRequiredService<StreamOwnership>();

        // The other "service" queues for the lock first, so it gets it the moment our session ends.
        await using var other = new NpgsqlConnection(database);
        await other.OpenAsync();
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", other);
        take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
        var taken = take.ExecuteScalarAsync();
        await Eventually.UntilAsync(() => WaitingForLockAsync(database), waiting => waiting, "the other session to wait for the lock");
        await TerminateGuardSessionAsync(database);
        await taken;

        await Eventually.UntilAsync(() => ownership.State, s => s == OwnershipState.Lost, "the guard to be reported lost");
        using var refused = await Appends.PostAsync(client, "contested", """{"n":1}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Another Sluice service", (await SluiceApp.ProblemAsync(refused)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
    }

    private static async Task TerminateGuardSessionAsync(string database)
    {
        await using var admin = new NpgsqlConnection(database);
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'sluice-owner-%' AND datname = current_database()", admin);
        Assert.Equal(1L, await kill.ExecuteScalarAsync());
    }

    private static async Task<bool> WaitingForLockAsync(string database)
    {
        await using var admin = new NpgsqlConnection(database);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", admin);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
