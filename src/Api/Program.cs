using Sluice.Api.Auth;
using Sluice.Api.Cluster;
using Sluice.Api.Infrastructure;
using Sluice.Api.Limits;
using Sluice.Api.Live;
using Sluice.Api.Queries;
using Sluice.Api.Streams;
using Sluice.Api.WebUi;
using Sluice.Data;

// First, before anything uses ArrayPool<byte>.Shared (the runtime reads its size once).
SharedArrayPoolSize.Apply();
var builder = WebApplication.CreateBuilder(args);
if (ProtectedMode.RefusalReason(builder.Configuration) is { } refusal)
{
    // One line, before anything binds: nothing is ever served on that address, not even for a moment.
    Console.Error.WriteLine(refusal);
    Environment.ExitCode = 2;
    return;
}

// ASP.NET Core logs several lines per request at Information (hosting, routing, results): four lines per append
// under load, noise to anyone reading the log. appsettings.json sets Warning, but it is not found when the service
// is started from another folder, so the default is set here too (configuration can still lower it per category).
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.QuietStartupErrors();

builder.Services.AddLargeReceiveBlocks();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.AddExceptionHandler<StorageUnavailableExceptionHandler>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
builder.Services.Configure<IngestOptions>(builder.Configuration.GetSection(IngestOptions.Section));

var postgres = builder.Configuration.GetConnectionString("Postgres");
builder.Services.AddStreamStore(postgres, StreamSettings.IdempotencyWindow(builder.Configuration),
    LimitsOptions.From(builder.Configuration).MemoryStreamBytes is > 0 and var memoryStreamBytes ? memoryStreamBytes : null,
    StreamSettings.PostgresGroupsInFlight(builder.Configuration));
builder.Services.AddHostedService<StreamStoreStartup>();
builder.Services.AddSingleton<IStreamDependents, NoStreamDependents>();
builder.Services.AddStreamRates();
builder.Services.AddSluiceHealthChecks(postgres);
builder.Services.AddSluiceOpenApi();

builder.Services.AddSluiceAuth(builder.Configuration);
builder.Services.AddSluiceLimits(builder.Configuration);
builder.Services.AddQueries();
builder.Services.AddLive();
builder.Services.AddWebUi();
builder.AddSluiceCluster(postgres);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSluiceAuth();
app.UseSluiceRateLimits();
app.UseForUnroutedRequests(unrouted => unrouted.UseWebUi().UseSluiceOpenApi(app.Configuration));

app.MapSluiceHealthChecks();
app.MapAuth();
app.MapKeys();
app.MapStreams();
app.MapQueries();
app.MapLive();
app.MapCluster();

await app.RunWithStartupReportAsync(postgres);

/// <summary>The entry point, public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
