using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Live;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Live;

/// <summary>The service on Kestrel at 127.0.0.1 (a free port), so SignalR clients use real WebSockets.</summary>
public class LiveServer : SluiceApp
{
    public LiveServer(IDictionary<string, string?>? settings = null, string? postgresConnectionString = null)
        : base(postgresConnectionString, settings)
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public string BaseUrl { get; }

    public Uri HubUrl => new($"{BaseUrl}{LiveApi.HubPath}");

    public LiveSubscriptions Subscriptions => Services.GetRequiredService<LiveSubscriptions>();

    public StreamStore Store => Services.GetRequiredService<StreamStore>();

    public async Task<HubConnection> ConnectAsync()
    {
        var connection = new HubConnectionBuilder().WithUrl(HubUrl).Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Appends <paramref name="count"/> events <c>{"n": i}</c> straight to the log, in one batch.</summary>
    public async Task AppendNumbersAsync(string stream, long first, int count, string padding = "")
    {
        var log = Store.Find(stream) ?? throw new InvalidOperationException($"no stream {stream}");
        var events = new NewEvent[count];
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            events[i] = new NewEvent(now, JsonSerializer.SerializeToUtf8Bytes(new { n = first + i, pad = padding }));
        }
        await log.AppendAsync(events, CancellationToken.None);
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        Infrastructure.Eventually.UntilAsync(condition, done => done, what, TimeSpan.FromSeconds(timeoutSeconds));
}

/// <summary>An event as the .NET client receives it.</summary>
public sealed record Received(long Offset, DateTimeOffset Timestamp, JsonElement Data, string? Op);
