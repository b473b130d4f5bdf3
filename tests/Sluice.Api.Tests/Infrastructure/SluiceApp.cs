using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// The service under test, hosted in-process. Pass a PostgreSQL connection string to get
/// postgres streams and a durable catalog; without one the service runs fully in memory.
/// </summary>
public class SluiceApp(string? postgresConnectionString = null, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What the service logged at Warning and above.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("ConnectionStrings:Postgres", postgresConnectionString ?? "");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task<HttpResponseMessage> CreateStreamAsync(object definition)
    {
        using var client = CreateClient();
        return await client.PostAsJsonAsync("/api/streams", definition);
    }

    public async Task CreateStreamOrFailAsync(object definition)
    {
        using var response = await CreateStreamAsync(definition);
        Assert.True(response.IsSuccessStatusCode, $"creating the stream failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<HttpResponseMessage> AppendAsync(string stream, string body, string contentType = "application/json")
    {
        using var client = CreateClient();
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return await client.PostAsync($"/api/streams/{stream}/events", content);
    }

    public async Task<JsonElement> ReadAsync(string stream, long from = 0, int limit = 1000)
    {
        using var client = CreateClient();
        using var response = await client.GetAsync($"/api/streams/{stream}/events?from={from}&limit={limit}");
        Assert.True(response.IsSuccessStatusCode, $"reading failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
