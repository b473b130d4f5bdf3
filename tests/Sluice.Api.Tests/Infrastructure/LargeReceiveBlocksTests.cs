using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Api.Infrastructure;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// Kestrel's socket transport reads a request body into 64 KiB blocks once the large-block pool is registered, and into
/// 4 KiB blocks without it: the number of <c>recv</c> calls per append (docs/benchmarks.md, "Large receive blocks").
/// </summary>
public sealed class LargeReceiveBlocksTests
{
    private const int BodyBytes = 512 * 1024;

    [Fact]
    public async Task A_large_body_arrives_in_segments_larger_than_kestrels_4_KiB_blocks()
    {
        var largest = await LargestBodySegmentAsync(largeBlocks: true);

        Assert.InRange(largest, 4097, LargeBlockMemoryPool.LargeBlockSize);
    }

    [Fact]
    public async Task Without_the_large_blocks_no_segment_is_larger_than_4_KiB()
    {
        // The control: shows the first test measures the pool, not how the client happened to write.
        var largest = await LargestBodySegmentAsync(largeBlocks: false);

        Assert.InRange(largest, 1, 4096);
    }

    [Fact]
    public void The_service_registers_the_large_block_factory_in_place_of_kestrels()
    {
        using var app = new SluiceApp();

        // The one the socket transport resolves: the last registered.
        var factory = app.Services.GetRequiredService<IMemoryPoolFactory<byte>>();

        Assert.IsType<LargeBlockMemoryPoolFactory>(factory);
        using var pool = factory.Create();
        using var block = pool.Rent(4096);
        Assert.Equal(LargeBlockMemoryPool.LargeBlockSize, block.Memory.Length);
    }

    /// <summary>Posts one body over loopback TCP and returns the longest segment the endpoint's body reader saw.</summary>
    private static async Task<int> LargestBodySegmentAsync(bool largeBlocks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{LoopbackPorts.Next()}");
        if (largeBlocks)
        {
            builder.Services.AddLargeReceiveBlocks();
        }
        await using var app = builder.Build();
        var largest = 0;
        var received = 0;
        app.MapPost("/body", async (HttpRequest request) =>
        {
            while (true)
            {
                var result = await request.BodyReader.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    largest = Math.Max(largest, segment.Length);
                }
                received += (int)result.Buffer.Length;
                request.BodyReader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return Results.Ok(received);
                }
            }
        });
        await app.StartAsync();

        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        using var response = await client.PostAsync("/body", new ByteArrayContent(new byte[BodyBytes]));

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(BodyBytes, received);
        await app.StopAsync();
        return largest;
    }
}
