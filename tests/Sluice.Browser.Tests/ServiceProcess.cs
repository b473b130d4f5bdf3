using Sluice.Api.Tests.Infrastructure;
using ApiProcess = Sluice.Api.Tests.Infrastructure.ServiceProcess;

namespace Sluice.Browser.Tests;

/// <summary>
/// The real service, built by this solution, run as a child process on Kestrel at 127.0.0.1 on a
/// free port, fully in memory. Shared by the browser scenarios; stopped when the tests end.
/// The process itself is the API tests' <see cref="ApiProcess"/> (the same source file, linked into this project).
/// </summary>
public class ServiceProcess : IAsyncLifetime
{
    private ApiProcess? process;

    public string BaseUrl => process?.BaseUrl ?? "";

    public static string RepositoryRoot => RepoPaths.Root;

    public string Log => process?.Log ?? "";

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>();
        Configure(settings);
        process = new ApiProcess(postgresConnectionString: "", settings);
        await process.StartListeningAsync();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"{BaseUrl}/health/live");
        Assert.True(response.IsSuccessStatusCode, $"the service is listening but not live ({(int)response.StatusCode}):\n{Log}");
    }

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>Settings of a variant of the service (environment variables, <c>__</c> for <c>:</c>).</summary>
    protected virtual void Configure(IDictionary<string, string> environment)
    {
    }
}
