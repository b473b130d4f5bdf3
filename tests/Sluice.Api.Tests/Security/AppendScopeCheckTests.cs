using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// The append endpoint checks its scope in its handler instead of through the group's endpoint filter: the same answers
/// in the same order as the filter gave them (checked against the build before the change: an unaccepted content type
/// is refused by routing, a bad parameter by binding, then a missing scope, then what the handler finds), and the other
/// endpoints of the group keep the filter.
/// </summary>
public sealed class AppendScopeCheckTests
{
    [Fact]
    public async Task Without_write_scope_an_append_is_refused_after_binding_and_before_the_stream_is_looked_up()
    {
        await using var server = new SecuredServer();
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "t_scoped" })).EnsureSuccessStatusCode();
        using var reader = server.Client(SecuredServer.Reader);

        using var badParameter = await reader.PostAsJsonAsync("/api/streams/t_scoped/events?expectedOffset=soon", new { k = 1 });
        using var forbidden = await reader.PostAsJsonAsync("/api/streams/t_scoped/events", new { k = 1 });
        using var unknownStream = await reader.PostAsJsonAsync("/api/streams/t_nowhere/events", new { k = 1 });
        using var wrongType = await reader.PostAsync("/api/streams/t_scoped/events", new StringContent("{}", null, "text/plain"));

        Assert.Equal(HttpStatusCode.BadRequest, badParameter.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var problem = await forbidden.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("write:t_scoped", problem.GetProperty("scope").GetString());
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        // The scope decides before the handler looks anything up: no 404 to a caller who may not write there. A content
        // type the endpoint does not accept is refused by routing, before any of it (as it was under the filter).
        Assert.Equal(HttpStatusCode.Forbidden, unknownStream.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/streams/t_scoped")).GetProperty("headOffset").GetInt64());
    }

    [Fact]
    public async Task With_write_scope_the_append_is_stored_and_the_groups_other_endpoints_still_check_theirs()
    {
        await using var server = new SecuredServer();
        using var admin = server.Client(SecuredServer.Admin);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "t_written" })).EnsureSuccessStatusCode();
        using var writer = server.Client(SecuredServer.Writer);

        using var appended = await writer.PostAsJsonAsync("/api/streams/t_written/events", new { k = 1 });
        using var read = await writer.GetAsync("/api/streams/t_written/events");

        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        Assert.Equal("""{"firstOffset":0,"lastOffset":0,"count":1}""", await appended.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode); // read:t_written is not among the writer's scopes
    }
}
