using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Puts a ready-to-run example body on each operation that takes one, so "Try it out" in Swagger UI
/// works without typing, and a real problem detail on each error response. Keyed by operation id (the
/// endpoint's <c>WithName</c>). Event times in the examples are those of the moment the document is served,
/// so the events are not late for a stream that has seen others.
/// </summary>
internal sealed class OpenApiExamples(TimeProvider time) : IOperationFilter
{
    /// <summary>What example timestamps look like; the checked-in document has them replaced (OpenApiDocumentTests).</summary>
    public const string TimestampPattern = @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z";

    private static Dictionary<string, Dictionary<string, JsonNode>> Examples(DateTimeOffset now)
    {
        string At(double seconds) => now.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return new()
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
                ["application/json"] = JsonNode.Parse($$"""
                    [{"auction":1007,"bidder":42,"price":1250,"channel":"web","url":"https://example.com/a/1007","date_time":"{{At(0)}}","extra":""},
                     {"auction":2001,"bidder":7,"price":990,"channel":"app","url":"https://example.com/a/2001","date_time":"{{At(1.5)}}","extra":""}]
                    """)!,
                // Raw text, one object per line: the media type's schema is a string (see Apply), and Swagger UI shows and sends it as it is.
                ["application/x-ndjson"] = JsonValue.Create(
                    $$"""{"auction":1007,"bidder":42,"price":1250,"channel":"web","url":"","date_time":"{{At(0)}}","extra":""}""" + "\n" +
                    $$"""{"auction":2001,"bidder":7,"price":990,"channel":"app","url":"","date_time":"{{At(1.5)}}","extra":""}""" + "\n"),
            },
            ["CreateQuery"] = new()
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
                ["application/json"] = JsonNode.Parse($$$"""
                    {"sql":"SELECT auction, 0.908 * price AS price FROM bid WHERE price > 1000",
                     "events":{"bid":[{"auction":1,"bidder":2,"price":1500,"channel":"web","url":"","date_time":"{{{At(0)}}}","extra":""}]}}
                    """)!,
            },
        };
    }

    // Problem details as the service writes them (RFC 9457), by status; an operation may have its own.
    private static readonly Dictionary<string, string> Problems = new()
    {
        ["400"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,"detail":"'limit' must be between 1 and 10000, got 0.","field":"limit"}""",
        ["401"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"detail":"This service needs a credential: send 'Authorization: Bearer <API key or JWT>'."}""",
        ["403"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.4","title":"Forbidden","status":403,"detail":"This credential lacks the scope 'write:bid' (or a prefix pattern or admin that covers it).","scope":"write:bid"}""",
        ["404"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"detail":"There is no stream named 'bid'.","stream":"bid"}""",
        ["409"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Conflict","status":409,"detail":"A stream named 'bid' already exists."}""",
        ["410"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.11","title":"Gone","status":410,"detail":"Offset 0 of stream 'bid' is no longer retained; the first retained offset is 4096.","stream":"bid","firstRetainedOffset":4096}""",
        ["413"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.14","title":"Content Too Large","status":413,"detail":"The body is larger than the limit of 16777216 bytes; split it into smaller batches."}""",
        ["415"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported Media Type","status":415,"detail":"Content type 'text/plain' is not accepted; use application/json or application/x-ndjson."}""",
        ["422"] = """{"type":"https://tools.ietf.org/html/rfc4918#section-11.2","title":"Unprocessable Entity","status":422,"detail":"Idempotency-Key '7c0e6a52-4f1d-4b8e-9d55-0c2b1e6f1042' was used before with another body; nothing was appended. Use a new key for a new request."}""",
        ["429"] = """{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too Many Requests","status":429,"detail":"Too many appends for this credential; retry after the Retry-After seconds."}""",
        ["501"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.2","title":"Not Implemented","status":501,"detail":"API keys are created at run time only when the service keeps its catalog in PostgreSQL (ConnectionStrings:Postgres); without it, configure keys under Auth:Keys (docs/security.md)."}""",
        ["507"] = """{"type":"https://tools.ietf.org/html/rfc4918#section-11.5","title":"Insufficient Storage","status":507,"detail":"Memory streams together would pass Limits:MemoryStreamBytes; nothing was appended."}""",
        ["503"] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.4","title":"Storage unavailable","status":503,"detail":"PostgreSQL is unreachable or restarting; retry shortly (appends with an Idempotency-Key are safe to retry)."}""",
    };

    private static readonly Dictionary<(string Operation, string Status), string> OperationProblems = new()
    {
        [("CreateStream", "400")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The stream definition is invalid.","status":400,"errors":{"name":["The name must match ^[a-z][a-z0-9_]{0,62}$ (lower-case letter first, then letters, digits or '_', at most 63)."]}}""",
        [("AppendEvents", "400")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The events were rejected; nothing was appended.","status":400,"detail":"Item 1: field 'price' must be a bigint, got \"ten\".","item":1,"field":"price"}""",
        [("CreateQuery", "400")] = QueryInvalid,
        [("ValidateQuery", "400")] = QueryInvalid,
        [("PreviewQuery", "400")] = QueryInvalid,
        [("CreateQuery", "409")] = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Conflict","status":409,"detail":"A query named 'bids_per_auction' already exists."}""",
        [("GetQuery", "404")] = QueryNotFound,
        [("DeleteQuery", "404")] = QueryNotFound,
        [("StopQuery", "404")] = QueryNotFound,
        [("StartQuery", "404")] = QueryNotFound,
        [("GetQueryResults", "404")] = QueryNotFound,
    };

    private const string QueryInvalid = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"The query is invalid.","status":400,"detail":"Syntax error at line 1, column 23: expected ')' to close COUNT( at line 1, column 16 but found keyword AS.","line":1,"column":23,"message":"Syntax error at line 1, column 23: expected ')' to close COUNT( at line 1, column 16 but found keyword AS."}""";
    private const string QueryNotFound = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"detail":"There is no query named 'bids_per_auction'.","query":"bids_per_auction"}""";

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
        if (operation.OperationId is not { } id)
        {
            return;
        }
        if (ParameterExamples.TryGetValue(id, out var parameterExamples) && operation.Parameters is { } parameters)
        {
            foreach (var parameter in parameters.OfType<OpenApiParameter>())
            {
                if (parameter.Name is { } name && parameterExamples.TryGetValue(name, out var value))
                {
                    parameter.Example = value.DeepClone();
                }
            }
        }
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response.Content?.TryGetValue("application/problem+json", out var problem) == true && problem is OpenApiMediaType concreteProblem
                && (OperationProblems.TryGetValue((id, status), out var example) || Problems.TryGetValue(status, out example)))
            {
                concreteProblem.Example = JsonNode.Parse(example);
            }
        }
        if (!Examples(time.GetUtcNow()).TryGetValue(id, out var byType) || operation.RequestBody?.Content is not { } content)
        {
            return;
        }
        foreach (var (mediaType, body) in byType)
        {
            if (content.TryGetValue(mediaType, out var media) && media is OpenApiMediaType concrete)
            {
                concrete.Example = body.DeepClone();
                if (body is JsonValue)
                {
                    // The body is text (one JSON object per line), not a JSON value; Swagger UI shows and sends it raw (OpenApi.NdjsonExamplesPlugin).
                    concrete.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One JSON object per line (NDJSON)." };
                }
            }
        }
    }
}
