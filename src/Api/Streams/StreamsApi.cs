using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Sluice.Api.Auth;
using Sluice.Api.Infrastructure;
using Sluice.Api.Limits;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

public static class StreamsApi
{
    public static IEndpointRouteBuilder MapStreams(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/streams").WithTags("Streams").RequireScopes();

        group.MapPost("/", CreateAsync)
            .WithName("CreateStream")
            .WithSummary("Create a stream")
            .WithDescription("Creates a memory or postgres stream. Needs manage on its name. 409 when the name is taken.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/", List)
            .WithName("ListStreams")
            .WithSummary("List streams")
            .WithDescription("The streams the caller may read.");

        group.MapGet("/{name}", Describe)
            .WithName("GetStream")
            .WithSummary("Describe a stream: definition, head offset, count, first retained offset")
            .RequireScope(Access.Read);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteStream")
            .WithSummary("Delete a stream and its events")
            .WithDescription("409 while a query reads or writes the stream.")
            .RequireScope(Access.Manage);

        group.MapPost("/{name}/events", AppendAsync)
            .WithName("AppendEvents")
            .WithSummary("Append events")
            .WithDescription("Body: one JSON object, a JSON array of objects (application/json), or one object per line (application/x-ndjson). " +
                             "The whole request is validated first and appended atomically; for postgres streams the answer means committed.")
            .Accepts<RawJson>("application/json", "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireScope(Access.Write);

        group.MapGet("/{name}/events", ReadAsync)
            .WithName("ReadEvents")
            .WithSummary("Read events by offset")
            .WithDescription("Events with offset ≥ from, in offset order, at most limit. 410 when from is below the first retained offset.")
            .ProducesProblem(StatusCodes.Status410Gone)
            .RequireScope(Access.Read);

        return app;
    }

    private static async Task<Results<Created<StreamInfo>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateStreamRequest request, ClaimsPrincipal user, StreamStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (definition, errors) = StreamRequestValidator.Validate(request, time.GetUtcNow());
        if (definition is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The stream definition is invalid.");
        }
        if (!CallerIdentity.ScopesOf(user).Allows(Access.Manage, definition.Name))
        {
            return AuthProblems.Forbidden(Access.Manage, definition.Name);
        }
        return await store.CreateAsync(definition, cancellationToken) switch
        {
            CreateStreamOutcome.Created => TypedResults.Created($"/api/streams/{definition.Name}", ToInfo(store.Find(definition.Name)!)),
            CreateStreamOutcome.NameTaken => Problems.Conflict($"A stream named '{definition.Name}' already exists."),
            _ => Problems.BadRequest(
                "PostgreSQL storage is not configured on this server; set ConnectionStrings__Postgres, or use \"storage\": \"memory\".",
                "storage"),
        };
    }

    private static Ok<StreamInfo[]> List(ClaimsPrincipal user, StreamStore store)
    {
        var scopes = CallerIdentity.ScopesOf(user);
        return TypedResults.Ok(store.List().Where(log => scopes.Allows(Access.Read, log.Definition.Name)).Select(ToInfo).ToArray());
    }

    private static Results<Ok<StreamInfo>, ProblemHttpResult> Describe(string name, StreamStore store) =>
        store.Find(name) is { } log ? TypedResults.Ok(ToInfo(log)) : Problems.StreamNotFound(name);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name, StreamStore store, IStreamDependents dependents, CancellationToken cancellationToken)
    {
        if (store.Find(name) is null)
        {
            return Problems.StreamNotFound(name);
        }
        if (dependents.FindDependent(name) is { } query)
        {
            return Problems.Conflict($"Stream '{name}' is used by query '{query}'; delete the query first.");
        }
        return await store.DeleteAsync(name, cancellationToken) ? TypedResults.NoContent() : Problems.StreamNotFound(name);
    }

    private static async Task<Results<Ok<AppendResponse>, ProblemHttpResult>> AppendAsync(
        string name, HttpRequest request, StreamStore store, IOptions<IngestOptions> options, EventRateLimits eventLimits, TimeProvider time, CancellationToken cancellationToken)
    {
        if (store.Find(name) is not { } log)
        {
            return Problems.StreamNotFound(name);
        }
        if (ContentTypes.ToBodyFormat(request.ContentType) is not { } format)
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType,
                $"Content type '{request.ContentType}' is not accepted; use application/json or application/x-ndjson.");
        }
        var limit = options.Value.MaxBodyBytes;
        var (buffer, length) = await EventBodyReader.ReadAsync(request, limit, cancellationToken);
        if (buffer is null)
        {
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, $"The body is larger than the limit of {limit} bytes; split it into smaller batches.");
        }
        IngestResult parsed;
        try
        {
            parsed = EventBatchParser.Parse(buffer.AsMemory(0, length), format, log.Definition, time.GetUtcNow());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (parsed.Error is { } error)
        {
            return Problems.InvalidEvent(error);
        }
        if (eventLimits.Refuse(request.HttpContext.User, parsed.Events.Count) is { } refused)
        {
            request.HttpContext.Response.Headers.RetryAfter = RateLimits.RetryAfterSeconds(refused.RetryAfter);
            return Problems.Status(StatusCodes.Status429TooManyRequests, refused.Detail);
        }
        var appended = await log.AppendAsync(parsed.Events, cancellationToken);
        return TypedResults.Ok(new AppendResponse(appended.FirstOffset, appended.LastOffset, appended.Count));
    }

    private static async Task<Results<Ok<EventPage>, ProblemHttpResult>> ReadAsync(
        string name, StreamStore store, IOptions<IngestOptions> options, CancellationToken cancellationToken, long from = 0, int limit = 100)
    {
        if (from < 0)
        {
            return Problems.BadRequest($"'from' must be 0 or more, got {from}.", "from");
        }
        var maxLimit = options.Value.MaxReadLimit;
        if (limit < 1 || limit > maxLimit)
        {
            return Problems.BadRequest($"'limit' must be between 1 and {maxLimit}, got {limit}.", "limit");
        }
        return await store.ReadAsync(name, from, limit, cancellationToken) switch
        {
            ReadOutcome.Events events => TypedResults.Ok(new EventPage(
                name,
                from,
                events.Items.Count > 0 ? events.Items[^1].Offset + 1 : Math.Max(from, events.Position.FirstRetainedOffset),
                events.Position.HeadOffset,
                events.Position.FirstRetainedOffset,
                events.Items.Select(e => new EventRecord(e.Offset, e.Timestamp, e.IngestedAt, new RawJson(e.Data))).ToArray())),
            ReadOutcome.Gone gone => Problems.Gone(name, from, gone.FirstRetainedOffset),
            _ => Problems.StreamNotFound(name),
        };
    }

    internal static StreamInfo ToInfo(StreamLog log)
    {
        var d = log.Definition;
        var position = log.Position;
        return new StreamInfo(
            d.Name,
            d.Storage == StorageKind.Memory ? "memory" : "postgres",
            d.TimestampField,
            Durations.Format(d.WatermarkDelay),
            d.Capacity,
            d.Schema?.ToDictionary(f => f.Key, f => f.Value.ToName()),
            position.HeadOffset,
            position.FirstRetainedOffset,
            position.Count,
            d.CreatedAt);
    }
}
