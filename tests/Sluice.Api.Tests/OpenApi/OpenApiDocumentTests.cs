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

    private static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
}
