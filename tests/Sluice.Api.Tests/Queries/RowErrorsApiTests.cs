using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>The service with <c>Sluice:Queries:StrictErrors=true</c>.</summary>
public sealed class StrictQueriesApp : SluiceApp
{
    public StrictQueriesApp()
        : base(null, new Dictionary<string, string?> { ["Sluice:Queries:StrictErrors"] = "true" })
    {
    }
}

/// <summary>SPEC §4 non-strict rows through HTTP: a bad row yields NULL and shows in rowErrors, unless errors are strict.</summary>
public sealed class RowErrorsApiTests(QueriesApp app, StrictQueriesApp strictApp) : IClassFixture<QueriesApp>, IClassFixture<StrictQueriesApp>
{
    private static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..24];

    private static async Task<string> NumbersStreamAsync(SluiceApp service)
    {
        var name = Unique("nums");
        await service.CreateStreamOrFailAsync(new { name, schema = new Dictionary<string, string> { ["k"] = "text", ["v"] = "bigint" } });
        using var append = await service.AppendAsync(name, """[{"k":"a","v":2},{"k":"zero","v":0},{"k":"b","v":5}]""");
        Assert.Equal(HttpStatusCode.OK, append.StatusCode);
        return name;
    }

    private static async Task<JsonElement> RegisterAndWaitAsync(SluiceApp service, string input, Func<JsonElement, bool> until)
    {
        var name = Unique("ratio");
        using var client = service.CreateClient();
        using (var created = await client.PostAsJsonAsync("/api/queries", new { name, sql = $"SELECT k, 10 / v AS q FROM {input}" }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
        return await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}"), until, $"query '{name}'");
    }

    [Fact]
    public async Task A_division_by_zero_yields_null_and_is_reported_with_its_offset()
    {
        var input = await NumbersStreamAsync(app);
        var query = await RegisterAndWaitAsync(app, input, q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() >= 3);

        Assert.Equal("running", query.GetProperty("state").GetString());
        var metrics = query.GetProperty("metrics");
        Assert.Equal(1, metrics.GetProperty("rowErrors").GetInt64());
        var error = Assert.Single(metrics.GetProperty("recentRowErrors").EnumerateArray());
        Assert.Contains("Division by zero", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(input, error.GetProperty("stream").GetString());
        Assert.Equal(1, error.GetProperty("offset").GetInt64());
        var rows = (await app.ReadAsync(query.GetProperty("name").GetString()!)).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("data").GetRawText()).ToArray();
        Assert.Equal(["""{"k":"a","q":5}""", """{"k":"zero","q":null}""", """{"k":"b","q":2}"""], rows);
    }

    [Fact]
    public async Task Strict_errors_fault_the_query_on_the_bad_row()
    {
        var input = await NumbersStreamAsync(strictApp);
        var query = await RegisterAndWaitAsync(strictApp, input, q => q.GetProperty("state").GetString() != "running");

        Assert.Equal("faulted", query.GetProperty("state").GetString());
        Assert.Contains("Division by zero", query.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, query.GetProperty("metrics").GetProperty("rowErrors").GetInt64());
    }
}
