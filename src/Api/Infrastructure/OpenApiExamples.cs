using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Puts a ready-to-run example body on each operation that takes one, so "Try it out" in Swagger UI
/// works without typing. Keyed by operation id (the endpoint's <c>WithName</c>).
/// </summary>
internal sealed class OpenApiExamples : IOperationFilter
{
    private static readonly Dictionary<string, Dictionary<string, JsonNode>> Examples = new()
    {
        ["CreateStream"] = new()
        {
            ["application/json"] = JsonNode.Parse("""
                {"name":"bid","storage":"memory","timestampField":"date_time","watermarkDelay":"2s","capacity":100000,
                 "schema":{"auction":"bigint","bidder":"bigint","price":"bigint","channel":"text","url":"text","date_time":"timestamp","extra":"text"}}
                """)!,
        },
        ["AppendEvents"] = new()
        {
            ["application/json"] = JsonNode.Parse("""
                [{"auction":1007,"bidder":42,"price":1250,"channel":"web","url":"https://example.com/a/1007","date_time":"2026-11-25T12:00:00.000Z","extra":""},
                 {"auction":2001,"bidder":7,"price":990,"channel":"app","url":"https://example.com/a/2001","date_time":"2026-11-25T12:00:01.500Z","extra":""}]
                """)!,
            ["application/x-ndjson"] = JsonValue.Create(
                "{\"auction\":1007,\"bidder\":42,\"price\":1250,\"channel\":\"web\",\"url\":\"\",\"date_time\":\"2026-11-25T12:00:00.000Z\",\"extra\":\"\"}\n" +
                "{\"auction\":2001,\"bidder\":7,\"price\":990,\"channel\":\"app\",\"url\":\"\",\"date_time\":1764072001500,\"extra\":\"\"}\n"),
        },
        ["RegisterQuery"] = new()
        {
            ["application/json"] = JsonNode.Parse("""
                {"name":"bids_per_auction","sql":"SELECT auction, COUNT(*) AS bids, window_start, window_end\nFROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)\nGROUP BY auction, window_start, window_end"}
                """)!,
        },
        ["ValidateQuery"] = new()
        {
            ["application/json"] = JsonNode.Parse("""
                {"name":"expensive_bids","sql":"SELECT auction, price FROM bid WHERE price > 1000"}
                """)!,
        },
        ["PreviewQuery"] = new()
        {
            ["application/json"] = JsonNode.Parse("""
                {"sql":"SELECT auction, 0.908 * price AS price FROM bid WHERE price > 1000",
                 "events":{"bid":[{"auction":1,"bidder":2,"price":1500,"channel":"web","url":"","date_time":"2026-11-25T12:00:00Z","extra":""}]}}
                """)!,
        },
    };

    // Example values for parameters, keyed by operation id and parameter name.
    private static readonly Dictionary<string, Dictionary<string, JsonNode>> ParameterExamples = new()
    {
        ["AppendEvents"] = new()
        {
            ["Idempotency-Key"] = JsonValue.Create("7c0e6a52-4f1d-4b8e-9d55-0c2b1e6f1042"),
        },
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId is not null && ParameterExamples.TryGetValue(operation.OperationId, out var parameterExamples) && operation.Parameters is { } parameters)
        {
            foreach (var parameter in parameters.OfType<OpenApiParameter>())
            {
                if (parameter.Name is { } name && parameterExamples.TryGetValue(name, out var value))
                {
                    parameter.Example = value.DeepClone();
                }
            }
        }
        if (operation.OperationId is null || !Examples.TryGetValue(operation.OperationId, out var byType) || operation.RequestBody?.Content is not { } content)
        {
            return;
        }
        foreach (var (mediaType, example) in byType)
        {
            if (content.TryGetValue(mediaType, out var media) && media is OpenApiMediaType concrete)
            {
                concrete.Example = example.DeepClone();
            }
        }
    }
}
