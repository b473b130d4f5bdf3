using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        services.AddOptions<HubOptions>().Configure<IOptions<LiveOptions>>((hub, live) => hub.ClientTimeoutInterval = live.Value.ClientTimeout);
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<LiveOptions>>((socket, live) =>
            socket.MaxWriteBufferSize = Math.Max(1024, live.Value.SocketSendBufferBytes));
        services.AddSignalR()
            .AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
        // The JSON protocol, able to write a subscription's batch as one stream item per event (LiveHubProtocol).
        services.RemoveAll<IHubProtocol>();
        services.AddSingleton<IHubProtocol, LiveHubProtocol>();
        // SignalR logs every stream that ends with an error at Error level: an unknown stream, an offset no longer
        // retained, a subscriber that fell behind. Those are the client's answers, not faults of the service;
        // StreamHub logs the endings that are (and fell-behind endings at Information).
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical));
        return services;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app)
    {
        var live = app.ServiceProvider.GetRequiredService<IOptions<LiveOptions>>().Value;
        app.MapHub<StreamHub>(HubPath, connection => connection.TransportMaxBufferSize = Math.Max(1024, live.ConnectionSendBufferBytes));
        return app;
    }
}
