using System.Text.Json;

namespace Sluice.Api.Live;

/// <summary>Finds the changelog <c>op</c> of a query output row: a top-level string property of the event's data.</summary>
internal static class ChangeOps
{
    private static readonly string Insert = "+";
    private static readonly string Delete = "-";

    public static string? Find(ReadOnlySpan<byte> data)
    {
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
