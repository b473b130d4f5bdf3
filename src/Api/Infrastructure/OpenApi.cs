using Microsoft.OpenApi;

namespace Sluice.Api.Infrastructure;

public static class OpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";

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
            options.MapType<RawJson>(() => new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The event's JSON payload." });
            var xml = Path.Combine(AppContext.BaseDirectory, "Sluice.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    /// <summary>Swagger UI is on in every environment unless <c>Sluice:Swagger:Enabled</c> is false.</summary>
    public static WebApplication UseSluiceOpenApi(this WebApplication app)
    {
        if (app.Configuration.GetValue("Sluice:Swagger:Enabled", true))
        {
            app.UseSwagger();
            app.UseSwaggerUI(o => o.DocumentTitle = "Sluice API");
        }
        return app;
    }
}
