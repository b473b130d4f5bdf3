using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// Every REST endpoint × {no credential, bad credential, wrong scope, right scope, admin} → 401/401/403/2xx/2xx
/// (lists: 200 showing only what the caller may read). The hub's row is in <see cref="HubAccessTests"/>.
/// </summary>
public sealed class ScopeMatrixTests(ScopeMatrixTests.Server server) : IClassFixture<ScopeMatrixTests.Server>
{
    public sealed class Server : SecuredServer, IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            using var admin = Client(Admin);
            (await admin.PostAsJsonAsync("/api/streams", new { name = "t_src" })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync("/api/streams/t_src/events", new { k = 1 })).EnsureSuccessStatusCode();
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    public enum Credential
    {
        None,
        Bad,
        WrongScope,
        RightScope,
        Admin,
    }

    private static int unique;

    /// <summary>An endpoint: the key whose scopes are just enough, what to create first (with admin), and the request.</summary>
    private sealed record Endpoint(string RightKey, HttpStatusCode Success, Func<SecuredServer, string, Task> Prepare, Func<string, HttpRequestMessage> Request, string? MissingScope);

    private const string Sql = "SELECT k FROM t_src";

    private static readonly Dictionary<string, Endpoint> Endpoints = new()
    {
        ["CreateStream"] = new(SecuredServer.Manager, HttpStatusCode.Created, NoPreparation,
            name => Post("/api/streams", new { name }), "manage:{0}"),
        ["ListStreams"] = new(SecuredServer.Reader, HttpStatusCode.OK, NoPreparation, _ => Get("/api/streams"), null),
        ["GetStream"] = new(SecuredServer.Reader, HttpStatusCode.OK, NoPreparation, _ => Get("/api/streams/t_src"), "read:t_src"),
        ["DeleteStream"] = new(SecuredServer.Manager, HttpStatusCode.NoContent, CreateStream,
            name => new HttpRequestMessage(HttpMethod.Delete, $"/api/streams/{name}"), "manage:{0}"),
        ["AppendEvents"] = new(SecuredServer.Writer, HttpStatusCode.OK, NoPreparation, _ => Post("/api/streams/t_src/events", new { k = 2 }), "write:t_src"),
        ["ReadEvents"] = new(SecuredServer.Reader, HttpStatusCode.OK, NoPreparation, _ => Get("/api/streams/t_src/events?from=0"), "read:t_src"),
        ["CreateQuery"] = new(SecuredServer.Registrar, HttpStatusCode.Created, NoPreparation,
            name => Post("/api/queries", new { name = "t_q" + name, sql = Sql }), "manage:t_q{0}"),
        ["ValidateQuery"] = new(SecuredServer.Reader, HttpStatusCode.OK, NoPreparation, _ => Post("/api/queries/validate", new { sql = Sql }), "read:t_src"),
        ["PreviewQuery"] = new(SecuredServer.Reader, HttpStatusCode.OK, NoPreparation,
            _ => Post("/api/queries/preview", new { sql = Sql, events = new { t_src = new[] { new { k = 1 } } } }), "read:t_src"),
        ["ListQueries"] = new(SecuredServer.Reader, HttpStatusCode.OK, CreateQuery, _ => Get("/api/queries"), null),
        ["GetQuery"] = new(SecuredServer.Reader, HttpStatusCode.OK, CreateQuery, name => Get($"/api/queries/t_q{name}"), "read:t_q{0}"),
        ["ReplaceQuery"] = new(SecuredServer.Registrar, HttpStatusCode.OK, CreateQuery,
            name => new HttpRequestMessage(HttpMethod.Put, $"/api/queries/t_q{name}") { Content = JsonContent.Create(new { sql = Sql + " WHERE k > 0" }) }, "manage:t_q{0}"),
        ["StopQuery"] = new(SecuredServer.Manager, HttpStatusCode.OK, CreateQuery, name => Post($"/api/queries/t_q{name}/stop", null), "manage:t_q{0}"),
        ["StartQuery"] = new(SecuredServer.Manager, HttpStatusCode.OK, CreateQuery, name => Post($"/api/queries/t_q{name}/start", null), "manage:t_q{0}"),
        ["DeleteQuery"] = new(SecuredServer.Manager, HttpStatusCode.NoContent, CreateQuery,
            name => new HttpRequestMessage(HttpMethod.Delete, $"/api/queries/t_q{name}"), "manage:t_q{0}"),
        ["GetQueryResults"] = new(SecuredServer.Reader, HttpStatusCode.OK, CreateUpdatingQuery, name => Get($"/api/queries/t_q{name}/results"), "read:t_q{0}"),
        ["ListKeys"] = new(SecuredServer.Admin, HttpStatusCode.OK, NoPreparation, _ => Get("/api/keys"), "admin"),
        ["GetCluster"] = new(SecuredServer.Admin, HttpStatusCode.OK, NoPreparation, _ => Get("/api/cluster"), "admin"),
    };

    /// <summary>
    /// Operations whose credential checks are tested elsewhere, and where: creating and revoking keys need PostgreSQL
    /// (without it an admin gets 501), and who-am-I needs a credential but no scope.
    /// </summary>
    private static readonly Dictionary<string, string> TestedElsewhere = new()
    {
        ["CreateKey"] = nameof(ApiKeysApiTests.Only_an_admin_may_manage_keys_and_bad_names_scopes_and_taken_names_are_refused),
        ["RevokeKey"] = nameof(ApiKeysApiTests.Only_an_admin_may_manage_keys_and_bad_names_scopes_and_taken_names_are_refused),
        ["WhoAmI"] = nameof(Who_am_i_names_the_credential_and_its_scopes),
    };

    public static TheoryData<string, Credential> Cases()
    {
        var data = new TheoryData<string, Credential>();
        foreach (var endpoint in Endpoints.Keys)
        {
            foreach (var credential in Enum.GetValues<Credential>())
            {
                data.Add(endpoint, credential);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Endpoint_answers_by_credential(string endpointName, Credential credential)
    {
        var endpoint = Endpoints[endpointName];
        var name = $"t_{endpointName.ToLowerInvariant()}_{Interlocked.Increment(ref unique)}";
        await endpoint.Prepare(server, name);
        using var client = server.Client(credential switch
        {
            Credential.None => null,
            Credential.Bad => "not-a-key",
            Credential.WrongScope => SecuredServer.Other,
            Credential.RightScope => endpoint.RightKey,
            _ => SecuredServer.Admin,
        });
        using var request = endpoint.Request(name);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var isList = endpoint.MissingScope is null;
        switch (credential)
        {
            case Credential.None or Credential.Bad:
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
                break;
            case Credential.WrongScope when isList:
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.DoesNotContain("t_", body, StringComparison.Ordinal);
                break;
            case Credential.WrongScope:
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                var problem = JsonDocument.Parse(body).RootElement;
                var scope = string.Format(System.Globalization.CultureInfo.InvariantCulture, endpoint.MissingScope!, name);
                Assert.Equal(scope, problem.GetProperty("scope").GetString());
                Assert.Contains(scope, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                break;
            default:
                Assert.True(endpoint.Success == response.StatusCode, $"{endpointName} as {credential}: {(int)response.StatusCode} {body}");
                if (isList)
                {
                    Assert.Contains(endpointName == "ListStreams" ? "\"t_src\"" : $"t_q{name}", body, StringComparison.Ordinal);
                }
                break;
        }
    }

    [Fact]
    public async Task A_prefix_pattern_covers_names_that_start_with_it_and_an_exact_name_only_itself()
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "t_src_more" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/streams", new { name = "u_elsewhere" })).EnsureSuccessStatusCode();

        using var prefix = server.Client(SecuredServer.Reader); // read:t_*
        Assert.Equal(HttpStatusCode.OK, (await prefix.GetAsync("/api/streams/t_src_more")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await prefix.GetAsync("/api/streams/u_elsewhere")).StatusCode);

        using var exact = server.Client(SecuredServer.Hashed); // read:t_src, configured by its SHA-256 only
        Assert.Equal(HttpStatusCode.OK, (await exact.GetAsync("/api/streams/t_src")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await exact.GetAsync("/api/streams/t_src_more")).StatusCode);
        var listed = await exact.GetFromJsonAsync<JsonElement>("/api/streams");
        Assert.Equal(["t_src"], listed.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Registering_a_query_needs_read_on_every_input()
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "t_secret" })).EnsureSuccessStatusCode();
        using var registrar = server.Client(SecuredServer.Registrar); // manage:t_q* read:t_src
        using var response = await registrar.PostAsJsonAsync("/api/queries", new
        {
            name = "t_q_join",
            sql = "SELECT a.k FROM t_src AS a JOIN t_secret AS b ON a.k = b.k",
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("read:t_secret", (await SluiceApp.ProblemAsync(response)).GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/queries/t_q_join")).StatusCode);
    }

    [Fact]
    public async Task Replacing_a_query_needs_read_on_every_input_of_the_new_text()
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "t_hidden" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/queries", new { name = "t_q_swap", sql = Sql })).EnsureSuccessStatusCode();
        using var registrar = server.Client(SecuredServer.Registrar); // manage:t_q* read:t_src
        using var response = await registrar.PutAsJsonAsync("/api/queries/t_q_swap", new { sql = "SELECT k FROM t_hidden" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("read:t_hidden", (await SluiceApp.ProblemAsync(response)).GetProperty("scope").GetString());
        var unchanged = await admin.GetFromJsonAsync<JsonElement>("/api/queries/t_q_swap");
        Assert.Equal(Sql, unchanged.GetProperty("sql").GetString());
    }

    [Fact]
    public async Task Who_am_i_names_the_credential_and_its_scopes()
    {
        using var reader = server.Client(SecuredServer.Reader);
        var me = await reader.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("key:reader", me.GetProperty("credential").GetString());
        Assert.Equal("read:t_*", me.GetProperty("scopes").GetString());
        Assert.True(me.GetProperty("credentialsRequired").GetBoolean());
        using var anonymous = server.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/auth/me")).StatusCode);
        using var bad = server.Client("not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Every_operation_the_service_serves_has_a_row_in_the_matrix_or_a_named_test()
    {
        // Issue 9 asks for every endpoint × every credential: an endpoint added later without a row fails here.
        using var anonymous = server.Client(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => op.Value.GetProperty("operationId").GetString()!))
            .ToArray();
        Assert.NotEmpty(operations);
        var uncovered = operations.Where(op => !Endpoints.ContainsKey(op) && !TestedElsewhere.ContainsKey(op)).ToArray();
        Assert.True(uncovered.Length == 0, "operations with no row in the scope matrix: " + string.Join(", ", uncovered));
    }

    [Fact]
    public async Task Swagger_offers_one_bearer_scheme_that_takes_a_key_or_a_jwt_on_every_operation()
    {
        // What Swagger UI's Authorize button reads: one http bearer scheme, required by the document as a whole.
        using var anonymous = server.Client(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("security").EnumerateArray().Single().TryGetProperty("bearer", out _));

        // And what the button then sends works for both kinds of credential.
        foreach (var token in new[] { SecuredServer.Reader, SecuredServer.Jwt("read:t_src") })
        {
            using var client = server.Client(token);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams/t_src")).StatusCode);
        }
    }

    [Fact]
    public async Task Health_swagger_and_the_web_ui_need_no_credential()
    {
        using var anonymous = server.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/swagger/v1/swagger.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/")).StatusCode);
    }

    private static Task NoPreparation(SecuredServer server, string name) => Task.CompletedTask;

    private static async Task CreateStream(SecuredServer server, string name)
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name })).EnsureSuccessStatusCode();
    }

    private static async Task CreateQuery(SecuredServer server, string name)
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/queries", new { name = "t_q" + name, sql = Sql })).EnsureSuccessStatusCode();
    }

    private static async Task CreateUpdatingQuery(SecuredServer server, string name)
    {
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/queries", new { name = "t_q" + name, sql = "SELECT k, COUNT(*) AS c FROM t_src GROUP BY k" })).EnsureSuccessStatusCode();
    }

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Post(string path, object? body) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
}
