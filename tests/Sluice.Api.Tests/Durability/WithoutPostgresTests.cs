using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Durability;

/// <summary>Without PostgreSQL nothing survives a restart, and the API says so.</summary>
public sealed class WithoutPostgresTests
{
    [Fact]
    public async Task A_query_says_it_is_not_durable_and_is_gone_after_a_restart()
    {
        await using (var first = new SluiceApp())
        {
            await first.CreateStreamOrFailAsync(new { name = "a", schema = new { k = "bigint", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "scratch", "SELECT k FROM a");
            using var client = first.CreateClient();
            var query = await client.GetFromJsonAsync<JsonElement>("/api/queries/scratch");
            Assert.False(query.GetProperty("durable").GetBoolean());
        }

        await using var second = new SluiceApp();
        using var again = second.CreateClient();
        Assert.Empty((await again.GetFromJsonAsync<JsonElement>("/api/queries")).EnumerateArray());
    }
}
