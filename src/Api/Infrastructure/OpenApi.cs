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

    // Swagger UI treats every media type containing "json" as JSON: it shows a string example JSON-quoted and sends
    // it so, which the service rightly refuses for NDJSON. This plugin replaces the function that turns an example
    // into the text of the body box, so an NDJSON example shows (and is sent) as the raw lines it is; every other
    // media type is rendered as Swagger UI does. Swashbuckle embeds it in a JSON text inside a JavaScript string and
    // evaluates it: one expression, one line, no double quotes and no backslashes.
    private const string NdjsonExamplesPlugin =
        "(({ getSystem }) => ({ fn: { getJsonSampleSchema: (schema, config, contentType, example) => { " +
        "const value = getSystem().fn.memoizedSampleFromSchema(schema, config, example); " +
        "const quoteStrings = /json/.test(contentType || '') && !/ndjson/.test(contentType || ''); " +
        "return typeof value === 'object' || (quoteStrings && typeof value === 'string') ? JSON.stringify(value, null, 2) : value; } } }))";

    /// <summary>Swagger UI is on in every environment unless <c>Sluice:Swagger:Enabled</c> is false.</summary>
    public static IApplicationBuilder UseSluiceOpenApi(this IApplicationBuilder app, IConfiguration configuration)
    {
        if (configuration.GetValue("Sluice:Swagger:Enabled", true))
        {
            app.UseSwagger();
            app.UseSwaggerUI(o =>
            {
                o.DocumentTitle = "Sluice API";
                o.ConfigObject.Plugins = [NdjsonExamplesPlugin];
            });
        }
        return app;
    }
}
