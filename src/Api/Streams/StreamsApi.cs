using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
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

        // An instance built once with its singletons: a request to the busiest endpoint then resolves no services, so
        // it needs no request scope of its own.
        group.MapPost("/{name}/events", new EventAppends(app.ServiceProvider).AppendAsync)
            .WithName("AppendEvents")
            .WithSummary("Append events")
            .WithDescription("Body: one JSON object, a JSON array of objects (application/json), or one object per line (application/x-ndjson). " +
                             "The whole request is validated first and appended atomically; for postgres streams the answer means committed. " +
                             "Send an Idempotency-Key to make retries safe, and expectedOffset for optimistic concurrency. " +
                             "409 when the stream is a query's output (only the query writes it) or is not at expectedOffset; " +
                             "422 when the Idempotency-Key was used with another body; 503 with Retry-After while PostgreSQL is unreachable.")
            .Accepts<RawJson>("application/json", "application/x-ndjson")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
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
        CreateStreamRequest request, ClaimsPrincipal user, StreamStore store, StreamRates rates, TimeProvider time, CancellationToken cancellationToken)
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
            CreateStreamOutcome.Created => TypedResults.Created($"/api/streams/{definition.Name}", ToInfo(store.Find(definition.Name)!, rates)),
            CreateStreamOutcome.NameTaken => Problems.Conflict($"A stream named '{definition.Name}' already exists."),
            _ => Problems.BadRequest(
                "PostgreSQL storage is not configured on this server; set ConnectionStrings__Postgres, or use \"storage\": \"memory\".",
                "storage"),
        };
    }

    private static Ok<StreamInfo[]> List(ClaimsPrincipal user, StreamStore store, StreamRates rates)
    {
        var scopes = CallerIdentity.ScopesOf(user);
        return TypedResults.Ok(store.List().Where(log => scopes.Allows(Access.Read, log.Definition.Name)).Select(log => ToInfo(log, rates)).ToArray());
    }

    private static async Task<Results<Ok<StreamInfo>, ProblemHttpResult>> Describe(string name, StreamStore store, StreamRates rates, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(name, cancellationToken) is not { } log)
        {
            return Problems.StreamNotFound(name);
        }
        if (log.Definition.Storage == StorageKind.Memory)
        {
            // On a cluster node that does not own the stream this asks its owner (docs/cluster.md); otherwise nothing to do.
            await log.RefreshHeadAsync(cancellationToken);
        }
        return TypedResults.Ok(ToInfo(log, rates));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name, StreamStore store, IStreamDependents dependents, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(name, cancellationToken) is null)
        {
            return Problems.StreamNotFound(name);
        }
        if (dependents.FindDependent(name) is { } query)
        {
            return Problems.Conflict($"Stream '{name}' is used by query '{query}'; delete the query first.");
        }
        return await store.DeleteAsync(name, cancellationToken) ? TypedResults.NoContent() : Problems.StreamNotFound(name);
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
                events.Items.Select(e => new EventRecord(e.Offset, e.Timestamp, e.IngestedAt, new RawJson(e.WireData()))).ToArray())),
            ReadOutcome.Gone gone => Problems.Gone(name, from, gone.FirstRetainedOffset),
            _ => Problems.StreamNotFound(name),
        };
    }

    internal static StreamInfo ToInfo(StreamLog log, StreamRates? rates = null)
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
            d.CreatedAt,
            rates?.EventsPerSecond(d.Name),
            d.OutputOf);
    }
}
