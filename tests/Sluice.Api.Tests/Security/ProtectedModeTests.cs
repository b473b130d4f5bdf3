using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>No credential configured: loopback clients may do everything, nobody else anything, and no other address is ever bound.</summary>
public sealed class ProtectedModeTests
{
    [Fact]
    public async Task Anonymous_loopback_clients_are_served_in_full()
    {
        await using var app = new SluiceApp();
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/streams", new { name = "open" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/streams/open")).StatusCode);
    }

    [Fact]
    public async Task A_client_from_another_address_is_refused_with_403()
    {
        await using var app = new PeerApp(IPAddress.Parse("192.0.2.7"));
        using var client = app.CreateClient();
        using var response = await client.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("protected mode", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Not even the web UI is served to it.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Allow_anonymous_serves_other_addresses_too()
    {
        await using var app = new PeerApp(IPAddress.Parse("192.0.2.7"), new Dictionary<string, string?> { ["Auth:AllowAnonymous"] = "true" });
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
    }

    [Theory]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://sluice.example.com:5000", false)]
    public void Listen_urls_count_as_loopback_only_when_they_are(string url, bool loopback) =>
        Assert.Equal(loopback, Loopback.IsLoopbackUrl(url));

    [Fact]
    public async Task Started_on_a_non_loopback_address_without_credentials_it_exits_with_one_line_saying_why()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var output = Path.Combine(RepoPaths.Root, "src", "Api", "bin", configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(output, "Sluice.Api.dll"));
        // Port 0: were it ever bound, it would be a free port nobody knows; the refusal comes before any bind.
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://0.0.0.0:0");
        start.Environment["ConnectionStrings__Postgres"] = "";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, process.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("http://0.0.0.0:0", line, StringComparison.Ordinal);
        Assert.Contains("protected mode", line, StringComparison.Ordinal);
        Assert.Contains("Auth:AllowAnonymous=true", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", await stdout, StringComparison.Ordinal);
    }

    /// <summary>The in-process service, seeing every request come from <paramref name="peer"/>.</summary>
    private sealed class PeerApp(IPAddress peer, IDictionary<string, string?>? settings = null) : SluiceApp(null, settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new FromPeer(peer)));
        }
    }

    private sealed class FromPeer(IPAddress peer) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate following) =>
            {
                context.Connection.RemoteIpAddress = peer;
                return following(context);
            });
            next(app);
        };
    }
}
