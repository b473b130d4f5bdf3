using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Sluice.Api.Auth;
using Sluice.Api.Infrastructure;
using Sluice.Api.Limits;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

/// <summary>
/// <c>POST /api/streams/{name}/events</c>, the busiest endpoint (one event per POST is a common client). Its services
/// are taken once, when the endpoint is mapped, instead of from each request's services: a request then needs no DI
/// scope. It checks its scope itself (<see cref="ChecksOwnScopeAttribute"/>), so the group's endpoint filter, and
/// the filter context it costs per request, are left out for it; the answers are the same, in the same order.
/// </summary>
internal sealed class EventAppends(IServiceProvider services)
{
    private readonly StreamStore store = services.GetRequiredService<StreamStore>();
    private readonly IngestOptions options = services.GetRequiredService<IOptions<IngestOptions>>().Value;
    private readonly EventRateLimits eventLimits = services.GetRequiredService<EventRateLimits>();
    private readonly TimeProvider time = services.GetRequiredService<TimeProvider>();

    /// <summary>Appends events to a stream.</summary>
    /// <param name="name">The stream's name.</param>
    /// <param name="request">The request, whose body holds the events.</param>
    /// <param name="cancellationToken">Ends with the request.</param>
    /// <param name="idempotencyKey">Makes the append safe to retry: 1–128 printable ASCII characters, unique per request
    /// (a UUID, say). A retry with the same key and the same body gets the first answer (header <c>Idempotent-Replayed: true</c>)
    /// and appends nothing; the same key with another body → 422. Keys are kept at least <c>Streams:IdempotencyWindow</c> (24 h).</param>
    /// <param name="expectedOffset">Append only if the stream's next offset (its <c>headOffset</c>) is this one; otherwise 409
    /// with <c>currentOffset</c> in the problem body and nothing appended.</param>
    [ChecksOwnScope]
    public async Task<Results<AppendedResult, ProblemHttpResult>> AppendAsync(
        string name, HttpRequest request, CancellationToken cancellationToken,
        [FromHeader(Name = AppendHeaders.IdempotencyKey)] string? idempotencyKey = null, long? expectedOffset = null)
    {
        // What ScopeFilter does for the group's other endpoints, at the same point: after binding, before anything else.
        if (ScopeFilter.Refusal(request.HttpContext, Access.Write, name) is { } forbidden)
        {
            return forbidden;
        }
        if (await store.FindAsync(name, cancellationToken) is not { } log)
        {
            return Problems.StreamNotFound(name);
        }
        if (log.Definition.OutputOf is { } query)
        {
            return Problems.Conflict($"Stream '{name}' is the output of query '{query}'; only the query writes it.");
        }
        if (ContentTypes.ToBodyFormat(request.ContentType) is not { } format)
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType,
                $"Content type '{request.ContentType}' is not accepted; use application/json or application/x-ndjson.");
        }
        if (idempotencyKey is null && request.Headers.ContainsKey(AppendHeaders.IdempotencyKey))
        {
            // Sent but empty: binding reads that as absent, and an absent key would silently make the append non-idempotent.
            idempotencyKey = "";
        }
        if (idempotencyKey is not null && !IdempotencyKeys.IsValid(idempotencyKey))
        {
            return Problems.BadRequest(
                $"The {AppendHeaders.IdempotencyKey} header must be 1 to {IdempotencyKeys.MaxLength} printable ASCII characters (space to '~'), not starting or ending with a space.",
                AppendHeaders.IdempotencyKey);
        }
        if (expectedOffset < 0)
        {
            return Problems.BadRequest($"'expectedOffset' must be 0 or more, got {expectedOffset}.", "expectedOffset");
        }
        var limit = options.MaxBodyBytes;
        var (buffer, length) = await EventBodyReader.ReadAsync(request, limit, cancellationToken);
        if (buffer is null)
        {
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, $"The body is larger than the limit of {limit} bytes; split it into smaller batches.");
        }
        IngestResult parsed;
        IdempotencyKey? key = null;
        // A log that copies what it appends (a memory stream) lets the payloads live in rented buffers, and those stored
        // as sent in the body itself, until then: the body is given back once the append has copied them.
        var bodyLent = false;
        try
        {
            parsed = EventBatchParser.Parse(buffer.AsMemory(0, length), format, log.Definition, time.GetUtcNow(), pooledPayloads: log.CopiesAppendedData);
            if (idempotencyKey is not null)
            {
                key = new IdempotencyKey(idempotencyKey, IdempotencyKeys.HashRequest((byte)format, buffer.AsSpan(0, length)));
            }
            bodyLent = parsed.Error is null && log.CopiesAppendedData;
        }
        finally
        {
            if (!bodyLent)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        if (parsed.Error is { } error)
        {
            return Problems.InvalidEvent(error);
        }
        void ReleasePayloads()
        {
            parsed.ReturnPayloads();
            if (bodyLent)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        if (eventLimits.Refuse(request.HttpContext.User, parsed.Events.Count) is { } refused)
        {
            ReleasePayloads();
            request.HttpContext.Response.Headers.RetryAfter = RateLimits.RetryAfterSeconds(refused.RetryAfter);
            return Problems.Status(StatusCodes.Status429TooManyRequests, refused.Detail);
        }
        var conditions = key is null && expectedOffset is null ? AppendConditions.None : new AppendConditions(key, expectedOffset);
        AppendOutcome outcome;
        try
        {
            outcome = await log.AppendAsync(parsed.Events, conditions, cancellationToken);
        }
        finally
        {
            ReleasePayloads();
        }
        switch (outcome)
        {
            case AppendOutcome.Appended { Result: var appended, Replayed: var replayed }:
                if (replayed)
                {
                    request.HttpContext.Response.Headers[AppendHeaders.IdempotentReplayed] = "true";
                }
                return new AppendedResult(new AppendResponse(appended.FirstOffset, appended.LastOffset, appended.Count));
            case AppendOutcome.KeyReused reused:
                return Problems.Status(StatusCodes.Status422UnprocessableEntity,
                    $"{AppendHeaders.IdempotencyKey} '{reused.Key}' was used before with another body; nothing was appended. Use a new key for a new request.",
                    new Dictionary<string, object?> { ["idempotencyKey"] = reused.Key });
            case AppendOutcome.OffsetMismatch mismatch:
                return Problems.Status(StatusCodes.Status409Conflict,
                    $"Stream '{name}' is at offset {mismatch.CurrentOffset}, not the expected {mismatch.ExpectedOffset}; nothing was appended.",
                    new Dictionary<string, object?> { ["expectedOffset"] = mismatch.ExpectedOffset, ["currentOffset"] = mismatch.CurrentOffset });
            default:
                throw new InvalidOperationException("Unknown append outcome.");
        }
    }
}
