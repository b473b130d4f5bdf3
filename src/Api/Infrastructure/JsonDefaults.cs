using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Api.Infrastructure;

/// <summary>One JSON style for the whole API: camelCase names, enums as lower-case strings, timestamps in UTC with Z.</summary>
public static class JsonDefaults
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new UtcTimestampConverter());
    }
}
