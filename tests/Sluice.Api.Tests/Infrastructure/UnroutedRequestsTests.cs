using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Sluice.Api.Infrastructure;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// The web UI's files and Swagger sit in a branch only requests without an endpoint enter: what they serve is served as
/// before, and an API request (which carries its endpoint from routing) passes them by with the same answers.
/// </summary>
public sealed class UnroutedRequestsTests
{
    [Fact]
    public void A_request_enters_the_branch_only_without_an_endpoint_that_handles_it()
    {
        var none = new DefaultHttpContext();
        var handled = new DefaultHttpContext();
        handled.SetEndpoint(new Endpoint(_ => Task.CompletedTask, EndpointMetadataCollection.Empty, "append"));
        var withoutDelegate = new DefaultHttpContext();
        withoutDelegate.SetEndpoint(new Endpoint(null, EndpointMetadataCollection.Empty, "no delegate"));

        Assert.True(UnroutedRequests.IsUnrouted(none));
        Assert.False(UnroutedRequests.IsUnrouted(handled));
        Assert.True(UnroutedRequests.IsUnrouted(withoutDelegate));
    }

    [Fact]
    public async Task The_ui_and_swagger_are_served_as_before()
    {
        await using var app = new SluiceApp();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });

        using var index = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        using var document = await client.GetAsync(Sluice.Api.Infrastructure.OpenApi.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal("application/json", document.Content.Headers.ContentType?.MediaType);
        using var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        using var redirect = await client.GetAsync("/swagger");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        using var missing = await client.GetAsync("/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task An_append_passes_the_branch_by_with_its_answers()
    {
        await using var app = new SluiceApp();
        using var client = app.CreateClient();
        await app.CreateStreamOrFailAsync(new { name = "unrouted_append" });

        using var appended = await client.PostAsync("/api/streams/unrouted_append/events", JsonContent.Create(new { a = 1 }));
        using var unknown = await client.PostAsync("/api/streams/unrouted_nope/events", JsonContent.Create(new { a = 1 }));
        using var wrongMethod = await client.PutAsync("/api/streams/unrouted_append/events", JsonContent.Create(new { a = 1 }));

        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        Assert.Equal("""{"firstOffset":0,"lastOffset":0,"count":1}""", await appended.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("application/problem+json", wrongMethod.Content.Headers.ContentType?.MediaType);
    }
}
