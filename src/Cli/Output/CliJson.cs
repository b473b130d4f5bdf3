using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Cli;

/// <summary>JSON as the service writes it: camelCase, nulls left out.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
