namespace Sluice.Api.Queries;

public static class QueriesApi
{
    public static IServiceCollection AddQueries(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapQueries(this IEndpointRouteBuilder app) => app;
}
