using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Cli;

/// <summary>JSON as the service writes it: camelCase, nulls left out, characters as they are.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // The default encoder is made for HTML pages: it wrote a changelog's "op":"+" as "\u002B" and every accent
        // as \uXXXX. This output goes to a terminal or a pipe (jq, a file), never into a page.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
