using System.Net;
using System.Net.Sockets;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// The service started as a real process, as a new user starts it: a start that cannot succeed ends with one line
/// saying what and where, and exit code 1; a start that succeeds says in one line how it runs and where to look.
/// </summary>
public sealed class StartupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_postgres_address_where_nothing_listens_ends_the_start_with_one_line_naming_host_and_port()
    {
        var port = LoopbackPorts.Next();
        await using var service = new ServiceProcess($"Host=127.0.0.1;Port={port};Username=sluice;Password=secret;Database=sluice;Timeout=5");

        var line = await OnlyLineOfAFailedStartAsync(service);

        Assert.Contains($"cannot reach PostgreSQL at 127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Postgres", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listen_address_already_in_use_ends_the_start_with_one_line_naming_the_url()
    {
        await using var service = new ServiceProcess("");
        using var squatter = new TcpListener(IPAddress.Loopback, service.Port);
        squatter.Start();

        var line = await OnlyLineOfAFailedStartAsync(service);

        Assert.Contains($"cannot listen on {service.BaseUrl}: the address is already in use", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_logs_one_line_with_the_mode_and_the_ui_swagger_and_health_urls()
    {
        await using var service = new ServiceProcess("");
        Assert.True(await service.StartAsync(Timeout), service.Log);

        var summary = await LineContainingAsync(service, "Sluice is running");
        Assert.Contains("memory mode", summary, StringComparison.Ordinal);
        Assert.Contains("protected mode", summary, StringComparison.Ordinal);
        Assert.Contains($"UI {service.BaseUrl}/ ", summary, StringComparison.Ordinal);
        Assert.Contains($"Swagger {service.BaseUrl}/swagger", summary, StringComparison.Ordinal);
        Assert.Contains($"health {service.BaseUrl}/health/ready", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_development_environment_starts_and_serves_the_ui_with_its_libraries()
    {
        await using var service = new ServiceProcess("", new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        Assert.True(await service.StartAsync(Timeout), $"the service did not start in Development:\n{service.Log}");

        using var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl) };
        Assert.Contains("<title>Sluice</title>", await client.GetStringAsync("/"), StringComparison.Ordinal);
        foreach (var library in new[] { "/lib/signalr/signalr.min.js", "/lib/uplot/uPlot.iife.min.js", "/lib/uplot/uPlot.min.css" })
        {
            using var response = await client.GetAsync(library);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{library}: {(int)response.StatusCode}");
        }
    }

    /// <summary>Starts the service, which must exit with code 1 instead of listening, and returns the one line it wrote.</summary>
    private static async Task<string> OnlyLineOfAFailedStartAsync(ServiceProcess service)
    {
        Assert.False(await service.StartAsync(Timeout), $"the service started:\n{service.Log}");
        await service.Current!.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(1, service.Current.ExitCode);
        return Assert.Single(Lines(service.Log));
    }

    private static string[] Lines(string log) => log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // The summary is logged just after Kestrel's "Now listening" line, which is what StartAsync waits for.
    internal static async Task<string> LineContainingAsync(ServiceProcess service, string text)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (Lines(service.Log).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
            Assert.False(service.Current!.HasExited, $"the service exited:\n{service.Log}");
            await Task.Delay(50, deadline.Token);
        }
    }
}
