namespace Sluice.Data.Streams;

/// <summary>The types a stream schema can declare for a field (SPEC §2).</summary>
public enum FieldType
{
    Bigint,
    Double,
    Decimal,
    Text,
    Boolean,
    Timestamp,
    Json,
}

public static class FieldTypes
{
    public static readonly IReadOnlyList<string> Names = ["bigint", "double", "decimal", "text", "boolean", "timestamp", "json"];

    public static bool TryParse(string? text, out FieldType type)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "bigint": type = FieldType.Bigint; return true;
            case "double": type = FieldType.Double; return true;
            case "decimal": type = FieldType.Decimal; return true;
            case "text": type = FieldType.Text; return true;
            case "boolean": type = FieldType.Boolean; return true;
            case "timestamp": type = FieldType.Timestamp; return true;
            case "json": type = FieldType.Json; return true;
            default: type = default; return false;
        }
    }

    public static string ToName(this FieldType type) => Names[(int)type];
}
