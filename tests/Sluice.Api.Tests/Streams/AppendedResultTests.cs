using System.Text;
using System.Text.Json;
using Sluice.Api.Infrastructure;
using Sluice.Api.Streams;

namespace Sluice.Api.Tests.Streams;

/// <summary>The hand-written 200 answer of an append is byte for byte what the API's serializer would write.</summary>
public sealed class AppendedResultTests
{
    [Theory]
    [InlineData(0L, 0L, 1)]
    [InlineData(41L, 1_040L, 1_000)]
    [InlineData(long.MaxValue - 1, long.MaxValue, int.MaxValue)]
    public void The_body_is_what_the_serializer_writes(long first, long last, int count)
    {
        var value = new AppendResponse(first, last, count);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonDefaults.Configure(options);
        Span<byte> body = stackalloc byte[128];

        var length = AppendedResult.Format(value, body);

        Assert.Equal(JsonSerializer.Serialize(value, options), Encoding.UTF8.GetString(body[..length]));
    }
}
