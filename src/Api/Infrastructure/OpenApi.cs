using Microsoft.OpenApi;

namespace Sluice.Api.Infrastructure;

public static class OpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";
    private const string BearerScheme = "bearer";

    public static IServiceCollection AddSluiceOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Sluice",
                Version = "v1",
                Description = "Real-time stream processing: append JSON events to streams, run continuous SQL queries, follow results live over SignalR at /hubs/streams.",
            });
            options.OperationFilter<OpenApiExamples>();
            // One bearer scheme covers both credentials: Swagger UI's Authorize button takes an API key or a JWT, sent as
            // "Authorization: Bearer <token>" (docs/security.md). With no credential configured, loopback calls need none.
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key (Auth:Keys) or a JWT from the configured issuer (Auth:Jwt). Not needed on loopback when no credential is configured.",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
            options.MapType<RawJson>(() => new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The event's JSON payload." });
            var xml = Path.Combine(AppContext.BaseDirectory, "Sluice.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    // Swagger UI treats every media type containing "json" as JSON, so it shows and sends the NDJSON example (a
    // string) JSON-quoted, which the service rightly refuses. Before sending, this unquotes such a body.
    // Swashbuckle embeds it in a JSON text inside a JavaScript string: one line, and no double quotes (34 is '"').
    private const string NdjsonAsText =
        "(request) => { const type = request.headers['Content-Type'] || request.headers['content-type'] || ''; " +
        "if (type.startsWith('application/x-ndjson') && typeof request.body === 'string' && request.body.trimStart().charCodeAt(0) === 34) { " +
        "try { const text = JSON.parse(request.body); if (typeof text === 'string') request.body = text; } catch (e) { } } " +
        "return request; }";

    /// <summary>Swagger UI is on in every environment unless <c>Sluice:Swagger:Enabled</c> is false.</summary>
    public static WebApplication UseSluiceOpenApi(this WebApplication app)
    {
        if (app.Configuration.GetValue("Sluice:Swagger:Enabled", true))
        {
            app.UseSwagger();
            app.UseSwaggerUI(o =>
            {
                o.DocumentTitle = "Sluice API";
                o.UseRequestInterceptor(NdjsonAsText);
            });
        }
        return app;
    }
}
