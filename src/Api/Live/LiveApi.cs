namespace Sluice.Api.Live;

public static class LiveApi
{
    public static IServiceCollection AddLive(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app) => app;
}
