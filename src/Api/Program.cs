using Sluice.Api.Infrastructure;
using Sluice.Api.Live;
using Sluice.Api.Queries;
using Sluice.Api.Streams;
using Sluice.Data;

var builder = WebApplication.CreateBuilder(args);

// Per-request hosting logs cost measurable ingest throughput; keep them off even when the service is
// started from a folder whose appsettings.json is not found (configuration can still lower this).
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
builder.Services.Configure<IngestOptions>(builder.Configuration.GetSection(IngestOptions.Section));

var postgres = builder.Configuration.GetConnectionString("Postgres");
builder.Services.AddStreamStore(postgres);
builder.Services.AddHostedService<StreamStoreStartup>();
builder.Services.AddSingleton<IStreamDependents, NoStreamDependents>();
builder.Services.AddSluiceHealthChecks(postgres);
builder.Services.AddSluiceOpenApi();

builder.Services.AddQueries();
builder.Services.AddLive();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSluiceOpenApi();

app.MapSluiceHealthChecks();
app.MapStreams();
app.MapQueries();
app.MapLive();

app.Run();

/// <summary>The entry point, public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
