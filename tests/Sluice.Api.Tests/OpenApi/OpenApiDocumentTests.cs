using System.Text.Json;
using System.Text.Json.Nodes;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Streams;

namespace Sluice.Api.Tests.OpenApi;

public sealed class OpenApiDocumentTests(MemoryAppFixture fixture) : IClassFixture<MemoryAppFixture>
{
    private const string RegenerateVariable = "SLUICE_UPDATE_OPENAPI";
    private static readonly string CheckedInPath = Path.Combine(RepoPaths.Root, "openapi", "sluice.json");

    [Fact]
    public async Task Served_document_matches_the_checked_in_one()
    {
        using var client = fixture.App.CreateClient();
        var served = Normalize(await client.GetStringAsync("/swagger/v1/swagger.json"));
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            await File.WriteAllTextAsync(CheckedInPath, served);
        }
        var checkedIn = File.Exists(CheckedInPath) ? await File.ReadAllTextAsync(CheckedInPath) : "";
        Assert.True(served == checkedIn,
            $"The served OpenAPI document differs from {CheckedInPath}. If the change is intended, regenerate it with: " +
            $"{RegenerateVariable}=1 dotnet test tests/Sluice.Api.Tests --filter FullyQualifiedName~OpenApiDocumentTests");
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_and_a_tag()
    {
        using var client = fixture.App.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key, Op: op.Value!)))
            .ToList();
        Assert.NotEmpty(operations);
        foreach (var (path, method, op) in operations.Where(o => o.Path.StartsWith("/api", StringComparison.Ordinal)))
        {
            Assert.False(string.IsNullOrEmpty((string?)op["operationId"]), $"{method} {path} has no operationId");
            Assert.False(string.IsNullOrEmpty((string?)op["summary"]), $"{method} {path} has no summary");
            Assert.NotNull(op["tags"]);
        }
    }

    [Fact]
    public async Task The_append_examples_are_raw_ndjson_and_json_with_event_times_of_the_moment_the_document_is_served()
    {
        using var client = fixture.App.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var content = document["paths"]!["/api/streams/{name}/events"]!["post"]!["requestBody"]!["content"]!;

        var ndjson = content["application/x-ndjson"]!;
        Assert.Equal("string", (string?)ndjson["schema"]!["type"]); // Swagger UI then sends the text as it is
        var lines = ((string)ndjson["example"]!).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var times = lines.Select(line => JsonNode.Parse(line)!["date_time"]!.GetValue<DateTimeOffset>())
            .Concat(content["application/json"]!["example"]!.AsArray().Select(e => e!["date_time"]!.GetValue<DateTimeOffset>()));
        Assert.All(times, time => Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task Every_error_response_has_a_problem_details_example_with_its_status()
    {
        using var client = fixture.App.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var problems = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().SelectMany(op => op.Value!["responses"]!.AsObject()
                .Where(r => r.Value!["content"]?["application/problem+json"] is not null)
                .Select(r => (Where: $"{op.Key} {path.Key} {r.Key}", Status: r.Key, Media: r.Value!["content"]!["application/problem+json"]!))))
            .ToList();
        Assert.NotEmpty(problems);
        foreach (var (where, status, media) in problems)
        {
            var example = media["example"];
            Assert.True(example is not null, $"{where} has no example");
            Assert.Equal(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), (int)example["status"]!);
            Assert.False(string.IsNullOrEmpty((string?)example["title"]), $"{where}: the example has no title");
        }
    }

    // The examples' event times are the moment the document is served (so Swagger UI's examples are never late events):
    // they are compared as a placeholder.
    private static string Normalize(string json) =>
        System.Text.RegularExpressions.Regex.Replace(
            JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n",
            Sluice.Api.Infrastructure.OpenApiExamples.TimestampPattern, "<served-at>");
}
