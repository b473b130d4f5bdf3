using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Sluice.Api.Auth;
using Sluice.Api.Cluster;
using Sluice.Api.Infrastructure;
using Sluice.Api.Limits;
using Sluice.Api.Streams;
using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Rows;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

public static class QueriesApi
{
    /// <summary>
    /// Registers the query runtime: the in-memory registry (which also answers <see cref="IStreamDependents"/>,
    /// so streams a query reads or writes cannot be deleted), and the <c>Sluice.Queries</c> OpenTelemetry metrics,
    /// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IServiceCollection AddQueries(this IServiceCollection services)
    {
        services.AddOptions<QueryOptions>().BindConfiguration(QueryOptions.Section)
            .Configure<IConfiguration>((options, configuration) => options.CheckpointInterval = QuerySettings.CheckpointInterval(configuration) ?? options.CheckpointInterval);
        services.AddMetrics();
        services.AddSingleton<QueryTelemetry>();
        services.AddSingleton<QueryRegistry>();
        services.AddSingleton<QueryMetricsHistory>().AddHostedService(sp => sp.GetRequiredService<QueryMetricsHistory>());
        // Registered after the stream store's start-up (Program adds that first): recovered queries compile against the reopened streams.
        services.AddHostedService<QueryRecoveryStartup>();
        services.Replace(ServiceDescriptor.Singleton<IStreamDependents>(sp => new QueryStreamDependents(sp.GetRequiredService<QueryRegistry>())));
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(QueryTelemetry.MeterName);
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                metrics.AddOtlpExporter();
            }
        });
        return services;
    }

    public static IEndpointRouteBuilder MapQueries(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/queries").WithTags("Queries").RequireScopes();

        group.MapPost("/", CreateAsync)
            .WithName("CreateQuery")
            .WithSummary("Register a continuous query")
            .WithDescription("Compiles the SQL, creates the output stream named after the query and starts the query at once, reading its inputs " +
                             "from their first retained offset (or from their heads with \"from\": \"latest\"). 400 with line and column for a bad query; " +
                             "409 when a query or stream already has the name. Needs manage on the name and read on every input.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/validate", ValidateAsync)
            .WithName("ValidateQuery")
            .WithSummary("Check a query without registering it")
            .WithDescription("Returns the output schema, the input streams, whether the output is a changelog, and the plan; 400 with line and column for a bad query. Needs read on every input.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/preview", PreviewAsync)
            .WithName("PreviewQuery")
            .WithSummary("Run a query on given events, storing nothing")
            .WithDescription("Events are validated and timestamped as an append would (schema, timestampField), pushed in event-time order in virtual time, " +
                             "then the inputs complete so open windows flush. Returns the rows the query emits. Needs read on every input.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/", List)
            .WithName("ListQueries")
            .WithSummary("List queries with their state and metrics")
            .WithDescription("The queries whose output the caller may read.");

        group.MapGet("/{name}", Describe)
            .WithName("GetQuery")
            .WithSummary("Describe a query: state, error, output schema, plan and metrics (counts, watermark, state size, input offsets, p50/p99 latencies)")
            .WithDescription("Also metricsHistory: the last five minutes of per-second samples (events/s in and out, late events/s, watermark lag " +
                             "behind the wall clock), as the server takes them; the web UI's query page draws them.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Access.Read);

        group.MapPut("/{name}", ReplaceAsync)
            .WithName("ReplaceQuery")
            .WithSummary("Replace a query's SQL; its output starts over with a reset event and is rebuilt from the inputs")
            .WithDescription("Validates the new text (400 with line and column), stops the current run, then swaps: the output stream gets the new " +
                             "query's schema and one event {\"op\": \"reset\"}, and the new query runs from its inputs' first retained offsets " +
                             "(or their heads with \"from\": \"latest\"), rebuilding its rows after the reset: the backfill, whose progress " +
                             "GET /api/queries/{name} shows. A stopped query runs again. With PostgreSQL the new definition replaces the old " +
                             "together with its checkpoint and journal, so a crash during the backfill comes back as the new query. " +
                             "404 for an unknown query; 409 while another query reads this query's output. Needs manage on the name and read on every input.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Access.Manage);

        group.MapPost("/{name}/stop", StopAsync)
            .WithName("StopQuery")
            .WithSummary("Stop a query")
            .WithDescription("The query stops reading; its output stream and its last metrics stay. Stopping a stopped query changes nothing.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Access.Manage);

        group.MapPost("/{name}/start", StartAsync)
            .WithName("StartQuery")
            .WithSummary("Start a stopped or faulted query afresh")
            .WithDescription("The output stream is recreated empty and the query's state is rebuilt from its inputs' first retained offsets " +
                             "(or their heads, for a query registered with \"from\": \"latest\"). A running query is left running. " +
                             "409 while another query reads this query's output.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Access.Manage);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteQuery")
            .WithSummary("Stop and delete a query and its output stream")
            .WithDescription("409 while another query reads this query's output.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Access.Manage);

        group.MapGet("/{name}/results", GetResultsAsync)
            .WithName("GetQueryResults")
            .WithSummary("The current result table of an updating query")
            .WithDescription("The query's changelog applied in order: one row per key (GROUP BY group, join match). " +
                             "400 for an append-only query, whose rows are in its output stream (GET /api/streams/{name}/events).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireScope(Access.Read);

        return app;
    }

    private static async Task<Results<Created<QueryInfo>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateQueryRequest request, ClaimsPrincipal user, QueryRegistry registry, StreamStore store, IOptions<QueryOptions> options, IOptions<LimitsOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!StreamNames.IsValid(request.Name))
        {
            errors["name"] = [$"The name must match {StreamNames.Pattern} (it names the output stream too)."];
        }
        CheckSql(request.Sql, errors);
        var from = ParseFrom(request.From, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query registration is invalid.");
        }
        var name = request.Name!;
        var scopes = CallerIdentity.ScopesOf(user);
        if (!scopes.Allows(Access.Manage, name))
        {
            return AuthProblems.Forbidden(Access.Manage, name);
        }
        if (await registry.FindAsync(name, cancellationToken) is not null)
        {
            return Problems.Conflict($"A query named '{name}' already exists.");
        }
        if (await store.FindAsync(name, cancellationToken) is not null)
        {
            return Problems.Conflict($"A stream named '{name}' already exists; a query writes to a new stream of its own name.");
        }
        var (compiled, problem) = await CompileAsync(request.Sql!, store, limits.Value, loggers, options.Value, cancellationToken);
        if (compiled is null)
        {
            return problem!;
        }
        if (Unreadable(scopes, compiled) is { } forbidden)
        {
            return forbidden;
        }
        if (OpColumnClash(compiled) is { } clash)
        {
            return clash;
        }
        var result = await registry.RegisterAsync(name, compiled, from, cancellationToken);
        return result.Outcome switch
        {
            LifecycleOutcome.Done => TypedResults.Created($"/api/queries/{name}", QueryDescriptions.Info(result.Query!)),
            LifecycleOutcome.InputMissing => Problems.BadRequest(result.Detail!, "sql"),
            _ => Problems.Conflict(result.Detail!),
        };
    }

    private static async Task<Results<Ok<QueryInfo>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        string name, ReplaceQueryRequest request, ClaimsPrincipal user, QueryRegistry registry, StreamStore store, IOptions<QueryOptions> options, IOptions<LimitsOptions> limits,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        CheckSql(request.Sql, errors);
        var from = ParseFrom(request.From, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query replacement is invalid.");
        }
        if (await registry.FindAsync(name, cancellationToken) is null)
        {
            return QueryNotFound(name);
        }
        var (compiled, problem) = await CompileAsync(request.Sql!, store, limits.Value, loggers, options.Value, cancellationToken);
        if (compiled is null)
        {
            return problem!;
        }
        if (Unreadable(CallerIdentity.ScopesOf(user), compiled) is { } forbidden)
        {
            return forbidden;
        }
        if (OpColumnClash(compiled) is { } clash)
        {
            return clash;
        }
        if (compiled.Inputs.Any(i => i.Stream == name))
        {
            return Problems.BadRequest($"Query '{name}' cannot read its own output stream.", "sql");
        }
        var result = await registry.ReplaceAsync(name, compiled, from, cancellationToken);
        return result.Outcome switch
        {
            LifecycleOutcome.Done => TypedResults.Ok(QueryDescriptions.Info(result.Query!)),
            LifecycleOutcome.NotFound => QueryNotFound(name),
            LifecycleOutcome.InputMissing => Problems.BadRequest(result.Detail!, "sql"),
            _ => Problems.Conflict(result.Detail!),
        };
    }

    private static async Task<Results<Ok<QueryValidation>, ValidationProblem, ProblemHttpResult>> ValidateAsync(
        ValidateQueryRequest request, ClaimsPrincipal user, StreamStore store, IOptions<LimitsOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        CheckSql(request.Sql, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query is invalid.");
        }
        var (compiled, problem) = await CompileAsync(request.Sql!, store, limits.Value, loggers, null, cancellationToken);
        if (compiled is null)
        {
            return problem!;
        }
        return Unreadable(CallerIdentity.ScopesOf(user), compiled) is { } forbidden ? forbidden : TypedResults.Ok(QueryDescriptions.Validation(compiled));
    }

    private static async Task<Results<Ok<QueryPreview>, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        PreviewQueryRequest request, ClaimsPrincipal user, StreamStore store, IOptions<QueryOptions> options, IOptions<LimitsOptions> limits, TimeProvider time, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        CheckSql(request.Sql, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The preview request is invalid.");
        }
        var events = request.Events ?? new Dictionary<string, JsonElement[]>();
        var total = events.Values.Sum(e => (long)(e?.Length ?? 0));
        if (total > options.Value.MaxPreviewEvents)
        {
            return Problems.BadRequest($"A preview takes at most {options.Value.MaxPreviewEvents} events; the request has {total}.", "events");
        }
        var (compiled, problem) = await CompileAsync(request.Sql!, store, limits.Value, loggers, options.Value, cancellationToken);
        if (compiled is null)
        {
            return problem!;
        }
        if (Unreadable(CallerIdentity.ScopesOf(user), compiled) is { } forbidden)
        {
            return forbidden;
        }
        var outcome = QueryPreviewRunner.Run(compiled, events, store, options.Value, time.GetUtcNow());
        return outcome.Preview is { } preview
            ? TypedResults.Ok(new QueryPreview(
                QueryDescriptions.Schema(compiled), compiled.IsUpdating, preview.EventsIn, preview.Rows.Select(r => new RawJson(r)).ToArray(), preview.Truncated))
            : Problems.Status(StatusCodes.Status400BadRequest, outcome.Error!, outcome.Where);
    }

    private static Ok<QueryInfo[]> List(ClaimsPrincipal user, QueryRegistry registry)
    {
        var scopes = CallerIdentity.ScopesOf(user);
        return TypedResults.Ok(registry.List().Where(q => scopes.Allows(Access.Read, q.Name)).Select(QueryDescriptions.Info).ToArray());
    }

    /// <summary>403 naming the first input the caller may not read: a query shows its inputs' rows, so registering, validating or previewing one needs read on each.</summary>
    private static ProblemHttpResult? Unreadable(ScopeSet scopes, CompiledQuery compiled) =>
        compiled.Inputs.Select(i => i.Stream).FirstOrDefault(stream => !scopes.Allows(Access.Read, stream)) is { } stream
            ? AuthProblems.Forbidden(Access.Read, stream)
            : null;

    private static async Task<Results<Ok<QueryInfo>, ProblemHttpResult>> Describe(
        string name, QueryRegistry registry, QueryMetricsHistory history, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (await registry.FindAsync(name, cancellationToken) is not { } query)
        {
            return QueryNotFound(name);
        }
        // On a cluster node that does not run the query, the samples are the hosting node's (docs/cluster.md).
        var series = await QueryMetricsForwarding.FromHostAsync(services, query, cancellationToken) ?? history.For(name) ?? QueryMetricsHistory.Empty;
        return TypedResults.Ok(QueryDescriptions.Info(query) with { MetricsHistory = series });
    }

    private static async Task<Results<Ok<QueryInfo>, ProblemHttpResult>> StopAsync(string name, QueryRegistry registry, CancellationToken cancellationToken) =>
        await registry.FindAsync(name, cancellationToken) is null ? QueryNotFound(name) : Lifecycle(name, await registry.StopAsync(name, cancellationToken));

    private static async Task<Results<Ok<QueryInfo>, ProblemHttpResult>> StartAsync(string name, QueryRegistry registry, CancellationToken cancellationToken) =>
        await registry.FindAsync(name, cancellationToken) is null ? QueryNotFound(name) : Lifecycle(name, await registry.StartAsync(name, cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, QueryRegistry registry, CancellationToken cancellationToken)
    {
        if (await registry.FindAsync(name, cancellationToken) is null)
        {
            return QueryNotFound(name);
        }
        var result = await registry.DeleteAsync(name, cancellationToken);
        return result.Outcome switch
        {
            LifecycleOutcome.Done => TypedResults.NoContent(),
            LifecycleOutcome.NotFound => QueryNotFound(name),
            _ => Problems.Conflict(result.Detail!),
        };
    }

    /// <param name="name">The query's name.</param>
    /// <param name="registry">The query registry.</param>
    /// <param name="options">Limits.</param>
    /// <param name="cancellationToken">Ends with the request.</param>
    /// <param name="limit">Most rows returned; default 1000.</param>
    private static async Task<Results<Ok<QueryResults>, ProblemHttpResult>> GetResultsAsync(
        string name, QueryRegistry registry, IOptions<QueryOptions> options, CancellationToken cancellationToken, int limit = 1000)
    {
        if (await registry.FindAsync(name, cancellationToken) is not { } query)
        {
            return QueryNotFound(name);
        }
        var max = options.Value.MaxResultRows;
        if (limit < 1 || limit > max)
        {
            return Problems.BadRequest($"'limit' must be between 1 and {max}, got {limit}.", "limit");
        }
        if (!query.Compiled.IsUpdating)
        {
            return Problems.BadRequest(
                $"Query '{name}' is append-only: it has no result table, only rows; read them from its output stream, GET /api/streams/{name}/events.");
        }
        var (rows, total) = query.Run?.Results?.Snapshot(limit) ?? ([], 0);
        var encoder = new RowEncoder(query.Compiled.OutputColumns, includeOp: false);
        return TypedResults.Ok(new QueryResults(
            name,
            QueryDescriptions.Schema(query.Compiled),
            total,
            total > rows.Count,
            rows.Select(r => new RawJson(encoder.Encode(new OutputRow(r, default, ChangeOp.Insert)))).ToArray()));
    }

    private static Results<Ok<QueryInfo>, ProblemHttpResult> Lifecycle(string name, LifecycleResult result) => result.Outcome switch
    {
        LifecycleOutcome.Done => TypedResults.Ok(QueryDescriptions.Info(result.Query!)),
        LifecycleOutcome.NotFound => QueryNotFound(name),
        LifecycleOutcome.InputMissing => Problems.BadRequest(result.Detail!),
        _ => Problems.Conflict(result.Detail!),
    };

    private static StartFrom ParseFrom(string? from, Dictionary<string, string[]> errors)
    {
        switch (from?.ToLowerInvariant())
        {
            case null or "earliest":
                return StartFrom.Earliest;
            case "latest":
                return StartFrom.Latest;
            default:
                errors["from"] = [$"Unknown start '{from}'; use 'earliest' or 'latest'."];
                return StartFrom.Earliest;
        }
    }

    /// <summary>400 when an updating query names a column <c>op</c>: its rows carry <c>op</c> (+ or -) themselves.</summary>
    private static ProblemHttpResult? OpColumnClash(CompiledQuery compiled) =>
        compiled.IsUpdating && compiled.OutputColumns.Any(c => string.Equals(c.Name, RowEncoder.OpColumn, StringComparison.OrdinalIgnoreCase))
            ? Problems.BadRequest(
                $"An updating query's rows carry an '{RowEncoder.OpColumn}' field (+ or -), so no output column may be called '{RowEncoder.OpColumn}'; rename it with AS.", "sql")
            : null;

    private static void CheckSql(string? sql, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            errors["sql"] = ["The query text is required."];
        }
        else if (sql.Length > QueryCompiler.MaxSqlLength)
        {
            errors["sql"] = [$"The query text is longer than {QueryCompiler.MaxSqlLength} characters."];
        }
    }

    /// <summary>
    /// Compiles <paramref name="sql"/> against the streams known here. On a cluster node a query that does not compile is
    /// compiled again after one catch-up with the shared catalog: it may name a stream another node created a moment ago.
    /// </summary>
    private static async Task<(CompiledQuery? Compiled, ProblemHttpResult? Problem)> CompileAsync(
        string sql, StreamStore store, LimitsOptions limits, ILoggerFactory loggers, QueryOptions? options, CancellationToken cancellationToken)
    {
        var first = Compile(sql, store, limits, loggers, options);
        if (first.Compiled is not null || !store.CatalogShared)
        {
            return first;
        }
        await store.SyncAsync(cancellationToken);
        return Compile(sql, store, limits, loggers, options);
    }

    private static (CompiledQuery? Compiled, ProblemHttpResult? Problem) Compile(string sql, StreamStore store, LimitsOptions limits, ILoggerFactory loggers, QueryOptions? options = null)
    {
        try
        {
            var compileOptions = new QueryCompileOptions { StrictErrors = options?.StrictErrors ?? false, Limits = limits.ForQueries };
            return (QueryCompiler.Compile(sql, new StoreStreamShapes(store), compileOptions), null);
        }
        catch (QueryException ex)
        {
            return (null, BadQuery(ex.Message, ex.Line, ex.Column));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The compiler should only throw QueryException; anything else is its bug, but still this query's problem only.
            loggers.CreateLogger(typeof(QueriesApi)).LogError(ex, "Compiling a query failed unexpectedly.");
            // Its text is .NET's, not a message for the user; it is in the log.
            return (null, BadQuery("The query could not be compiled because of an error in Sluice (logged); please report it with the query text.", 1, 1));
        }
    }

    private static ProblemHttpResult BadQuery(string message, int line, int column) =>
        TypedResults.Problem(
            title: "The query is invalid.",
            // The engine's messages usually name the position already; do not say it twice.
            detail: message.Contains($"line {line}", StringComparison.OrdinalIgnoreCase) ? message : $"Line {line}, column {column}: {message}",
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["line"] = line, ["column"] = column, ["message"] = message });

    private static ProblemHttpResult QueryNotFound(string name) =>
        Problems.Status(StatusCodes.Status404NotFound, $"There is no query named '{name}'.", new Dictionary<string, object?> { ["query"] = name });
}
