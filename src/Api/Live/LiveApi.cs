using OpenTelemetry.Metrics;
using Sluice.Api.Infrastructure;

namespace Sluice.Api.Live;

public static class LiveApi
{
    public const string HubPath = "/hubs/streams";

    public static IServiceCollection AddLive(this IServiceCollection services)
    {
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section);
        services.AddMetrics();
        services.AddSingleton<LiveSubscriptions>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(LiveSubscriptions.MeterName));
        services.AddSingleton<TailCaches>();
        services.AddSingleton<LiveEventCaches>();
        services.AddWebUi();
        services.AddSignalR()
            .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
        return services;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        app.MapHub<StreamHub>(HubPath);
        return app;
    }
}
