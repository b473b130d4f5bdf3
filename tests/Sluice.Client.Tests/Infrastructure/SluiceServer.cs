using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Live;

namespace Sluice.Client.Tests.Infrastructure;

/// <summary>
/// The real service, in memory mode, on Kestrel at 127.0.0.1 (a free port), so the client talks to it over real
/// sockets and WebSockets exactly as it would in production. <see cref="Connections"/> can cut hub connections.
/// </summary>
public class SluiceServer : WebApplicationFactory<Program>
{
    private readonly IDictionary<string, string?> settings;

    public SluiceServer() : this(new Dictionary<string, string?>())
    {
    }

    protected SluiceServer(IDictionary<string, string?> settings)
    {
        this.settings = settings;
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public Uri BaseAddress { get; }

    public HubConnections Connections { get; } = new();

    public RequestLog Requests { get; } = new();

    public LiveSubscriptions Subscriptions => Services.GetRequiredService<LiveSubscriptions>();

    public SluiceClient NewClient(string? token = null) => new(BaseAddress, token);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", "");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            services.Configure<HubOptions>(o => o.AddFilter(Connections));
            services.AddSingleton<IStartupFilter>(Requests);
        });
    }
}
