using System.Text.Json;

namespace Sluice.Api.Live;

/// <summary>Finds the changelog <c>op</c> of a query output row: a top-level string property of the event's data.</summary>
internal static class ChangeOps
{
    private static readonly string Insert = "+";
    private static readonly string Delete = "-";

    public static string? Find(ReadOnlySpan<byte> data)
    {
        // Most events have no op field: a vectorized search rules that out without reading the JSON. A name written
        // with escapes ("\u006fp") has a backslash, so the reader below still sees it.
        if (data.IndexOf("\"op\""u8) < 0 && data.IndexOf((byte)'\\') < 0)
        {
            return null;
        }
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        // Walk the top level only, skipping nested values; the data was validated at ingest.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isOp = reader.ValueTextEquals("op"u8);
            reader.Read();
            if (isOp)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return null;
                }
                return reader.ValueTextEquals("+"u8) ? Insert : reader.ValueTextEquals("-"u8) ? Delete : reader.GetString();
            }
            reader.Skip();
        }
        return null;
    }
}
