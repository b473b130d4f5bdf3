using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Sluice.Api.Tests.Live;

/// <summary>A live subscriber of a query's output across a replace (SPEC §7): the old rows, one <c>reset</c>, then the new query's rows.</summary>
public sealed class ReplaceLiveTests(ReplaceLiveTests.Server server) : IClassFixture<ReplaceLiveTests.Server>
{
    public sealed class Server() : LiveServer();

    [Fact]
    public async Task A_subscriber_sees_reset_then_the_new_rows_without_resubscribing()
    {
        await server.CreateStreamOrFailAsync(new { name = "readings", schema = new { n = "bigint" } });
        using var http = server.CreateClient();
        (await http.PostAsJsonAsync("/api/queries", new { name = "big", sql = "SELECT n FROM readings WHERE n >= 3" })).EnsureSuccessStatusCode();
        await server.AppendNumbersAsync("readings", 0, 5);

        await using var connection = await server.ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new List<Received>();
        var twoOldRows = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            await foreach (var e in connection.StreamAsync<Received>("Subscribe", "big", 0L, timeout.Token))
            {
                lock (received)
                {
                    received.Add(e);
                }
                if (received.Count == 2)
                {
                    twoOldRows.SetResult();
                }
                if (received.Count == 2 + 1 + 5)
                {
                    break;
                }
            }
        });
        await twoOldRows.Task.WaitAsync(timeout.Token);

        using var replaced = await http.PutAsJsonAsync("/api/queries/big", new { sql = "SELECT n * 100 AS h FROM readings" });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        await reading.WaitAsync(timeout.Token);

        Assert.Equal([3L, 4L], received.Take(2).Select(e => e.Data.GetProperty("n").GetInt64()));
        Assert.All(received.Take(2), e => Assert.Null(e.Op));
        Assert.Equal("reset", received[2].Op);
        Assert.Equal(2, received[2].Offset);
        Assert.Equal([0L, 100L, 200L, 300L, 400L], received.Skip(3).Select(e => e.Data.GetProperty("h").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), received.Select(e => e.Offset));
    }
}
