using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Live;
using Sluice.Api.Tests.Postgres;

namespace Sluice.Api.Tests.Security;

/// <summary><c>/api/keys</c> against a real PostgreSQL: keys created there work at once, are stored hashed, survive a restart, and stop at once when revoked.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiKeysApiTests(PostgresServer postgres)
{
    private const string AdminSecret = "configured-admin-secret-0123456789";
    private const string ReaderSecret = "configured-reader-secret-0123456789";

    private static readonly Dictionary<string, string?> Keys = new()
    {
        ["Auth:Keys:boot:Secret"] = AdminSecret,
        ["Auth:Keys:boot:Scopes"] = "admin",
        ["Auth:Keys:dash:Secret"] = ReaderSecret,
        ["Auth:Keys:dash:Scopes"] = "read:*",
    };

    [Fact]
    public async Task A_created_key_is_shown_once_works_at_once_within_its_scopes_and_stops_the_moment_it_is_revoked()
    {
        await using var app = new SluiceApp(await postgres.CreateDatabaseAsync(nameof(ApiKeysApiTests)), Keys);
        using var admin = Client(app, AdminSecret);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "k_src" })).EnsureSuccessStatusCode();

        using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "ingest", scopes = "write:k_* read:k_src" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("sk_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40, "the secret carries 256 random bits");
        Assert.Equal("write:k_* read:k_src", body.GetProperty("scopes").GetString());

        using var key = Client(app, secret);
        Assert.Equal(HttpStatusCode.OK, (await key.PostAsJsonAsync("/api/streams/k_src/events", new { v = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/streams/k_src/events")).StatusCode);
        using (var beyond = await key.DeleteAsync("/api/streams/k_src"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, beyond.StatusCode);
            Assert.Equal("manage:k_src", (await SluiceApp.ProblemAsync(beyond)).GetProperty("scope").GetString());
        }
        var me = await key.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("key:ingest", me.GetProperty("credential").GetString());

        // Listed with its scopes, never with its secret; configured keys are listed too.
        var listText = await admin.GetStringAsync("/api/keys");
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        var list = JsonDocument.Parse(listText).RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!);
        Assert.Equal(["boot", "dash", "ingest"], list.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("catalog", list["ingest"].GetProperty("source").GetString());
        Assert.Equal("configuration", list["boot"].GetProperty("source").GetString());
        Assert.False(list["ingest"].TryGetProperty("secret", out _));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/keys/ingest")).StatusCode);
        using (var revoked = await key.PostAsJsonAsync("/api/streams/k_src/events", new { v = 2 }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/keys/ingest")).StatusCode);
    }

    [Fact]
    public async Task The_catalog_holds_only_the_keys_hash_and_the_key_still_works_after_a_restart()
    {
        var database = await postgres.CreateDatabaseAsync(nameof(ApiKeysApiTests));
        string secret;
        await using (var first = new SluiceApp(database, Keys))
        {
            using var admin = Client(first, AdminSecret);
            using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "kept", scopes = "read:*" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        }

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT name, sha256, scopes FROM api_keys", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("kept", reader.GetString(0));
            Assert.Equal(ApiKeys.Hash(secret), reader.GetString(1));
            Assert.Equal("read:*", reader.GetString(2));
            Assert.False(await reader.ReadAsync());
        }

        await using var second = new SluiceApp(database, Keys);
        using var key = Client(second, secret);
        var me = await key.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("key:kept", me.GetProperty("credential").GetString());
        Assert.Equal("read:*", me.GetProperty("scopes").GetString());
    }

    [Fact]
    public async Task Only_an_admin_may_manage_keys_and_bad_names_scopes_and_taken_names_are_refused()
    {
        await using var app = new SluiceApp(await postgres.CreateDatabaseAsync(nameof(ApiKeysApiTests)), Keys);
        using var reader = Client(app, ReaderSecret);
        foreach (var response in new[]
                 {
                     await reader.PostAsJsonAsync("/api/keys", new { name = "mine", scopes = "admin" }),
                     await reader.GetAsync("/api/keys"),
                     await reader.DeleteAsync("/api/keys/dash"),
                 })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                Assert.Equal("admin", (await SluiceApp.ProblemAsync(response)).GetProperty("scope").GetString());
            }
        }
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/keys", new { name = "mine", scopes = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/api/keys/dash")).StatusCode);
        using var bad = Client(app, "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/api/keys")).StatusCode);

        using var admin = Client(app, AdminSecret);
        using (var badScope = await admin.PostAsJsonAsync("/api/keys", new { name = "typo", scopes = "read:bid raed:bid" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badScope.StatusCode);
            Assert.Contains("'raed:bid'", (await badScope.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
        using (var badName = await admin.PostAsJsonAsync("/api/keys", new { name = "Bad Name", scopes = "admin" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        }
        using (var noScopes = await admin.PostAsJsonAsync("/api/keys", new { name = "empty" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noScopes.StatusCode);
        }
        using (var configured = await admin.PostAsJsonAsync("/api/keys", new { name = "dash", scopes = "admin" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, configured.StatusCode);
        }
        (await admin.PostAsJsonAsync("/api/keys", new { name = "twice", scopes = "read:a" })).EnsureSuccessStatusCode();
        using (var twice = await admin.PostAsJsonAsync("/api/keys", new { name = "twice", scopes = "read:b" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }
        using (var revokeConfigured = await admin.DeleteAsync("/api/keys/dash"))
        {
            Assert.Equal(HttpStatusCode.Conflict, revokeConfigured.StatusCode);
            Assert.Contains("Auth:Keys:dash", (await SluiceApp.ProblemAsync(revokeConfigured)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_PostgreSQL_creating_a_key_is_a_501_saying_why_and_configured_keys_are_still_listed()
    {
        await using var app = new SluiceApp(null, Keys);
        using var admin = Client(app, AdminSecret);
        using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "nope", scopes = "read:*" });
        Assert.Equal(HttpStatusCode.NotImplemented, created.StatusCode);
        Assert.Contains("PostgreSQL", (await SluiceApp.ProblemAsync(created)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var list = await admin.GetFromJsonAsync<JsonElement>("/api/keys");
        Assert.Equal(2, list.GetArrayLength());
    }

    [Fact]
    public async Task Revoking_a_key_closes_the_hub_connections_it_opened()
    {
        await using var server = new LiveServer(Keys, await postgres.CreateDatabaseAsync(nameof(ApiKeysApiTests)));
        using var admin = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminSecret);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "watched" })).EnsureSuccessStatusCode();
        using var created = await admin.PostAsJsonAsync("/api/keys", new { name = "watcher", scopes = "read:watched" });
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

        await using var hub = new HubConnectionBuilder()
            .WithUrl(server.HubUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(secret))
            .Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        var received = hub.StreamAsync<Received>("Subscribe", "watched", 0L).GetAsyncEnumerator();
        await server.AppendNumbersAsync("watched", 0, 1);
        Assert.True(await received.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/keys/watcher")).StatusCode);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    private static HttpClient Client(SluiceApp app, string secret)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }
}
