using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

/// <summary>Checks a create-stream request and turns it into a definition, collecting every error by field.</summary>
internal static class StreamRequestValidator
{
    public const int MaxCapacity = 10_000_000;
    public const int MaxSchemaFields = 256;

    public static (StreamDefinition? Definition, Dictionary<string, string[]> Errors) Validate(CreateStreamRequest request, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (!StreamNames.IsValid(request.Name))
        {
            errors["name"] = [$"The name must match {StreamNames.Pattern} (lower-case letter first, then letters, digits or '_', at most 63)."];
        }
        StorageKind storage = StorageKind.Memory;
        switch (request.Storage?.ToLowerInvariant())
        {
            case null or "memory":
                break;
            case "postgres":
                storage = StorageKind.Postgres;
                break;
            default:
                errors["storage"] = [$"Unknown storage '{request.Storage}'; use 'memory' or 'postgres'."];
                break;
        }
        var delay = TimeSpan.Zero;
        if (request.WatermarkDelay is not null && !Durations.TryParse(request.WatermarkDelay, out delay))
        {
            errors["watermarkDelay"] = [$"'{request.WatermarkDelay}' is not a duration; write e.g. '500ms', '2s', '1m' (at most 7 days)."];
        }
        if (request.Capacity is { } capacity && (capacity < 1 || capacity > MaxCapacity))
        {
            errors["capacity"] = [$"Capacity must be between 1 and {MaxCapacity}."];
        }
        if (request.Capacity is not null && storage == StorageKind.Postgres)
        {
            errors["capacity"] = ["Capacity applies to memory streams only."];
        }
        Dictionary<string, FieldType>? schema = null;
        if (request.Schema is not null)
        {
            schema = new Dictionary<string, FieldType>(StringComparer.Ordinal);
            if (request.Schema.Count > MaxSchemaFields)
            {
                errors["schema"] = [$"A schema has at most {MaxSchemaFields} fields."];
            }
            foreach (var (field, typeName) in request.Schema)
            {
                if (string.IsNullOrWhiteSpace(field) || field.Length > 128)
                {
                    errors["schema"] = ["Field names must be 1 to 128 characters."];
                }
                else if (!FieldTypes.TryParse(typeName, out var type))
                {
                    errors[$"schema.{field}"] = [$"Unknown type '{typeName}'; use one of {string.Join(", ", FieldTypes.Names)}."];
                }
                else
                {
                    schema[field] = type;
                }
            }
        }
        if (request.TimestampField is { } timestampField)
        {
            if (string.IsNullOrWhiteSpace(timestampField) || timestampField.Length > 128)
            {
                errors["timestampField"] = ["The timestamp field must be 1 to 128 characters."];
            }
            else if (request.Schema is not null && !request.Schema.ContainsKey(timestampField))
            {
                // A schema keeps only its own fields, so the event time would be dropped from every event.
                errors["timestampField"] = [$"The timestamp field '{timestampField}' is not in the schema; declare it there as timestamp or bigint."];
            }
            else if (schema is not null && schema.TryGetValue(timestampField, out var tsType) && tsType is not (FieldType.Timestamp or FieldType.Bigint))
            {
                errors["timestampField"] = [$"The timestamp field '{timestampField}' must be declared as timestamp or bigint in the schema."];
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var definition = new StreamDefinition(
            request.Name!,
            storage,
            request.TimestampField,
            delay,
            storage == StorageKind.Memory ? request.Capacity ?? StreamDefinition.DefaultCapacity : null,
            schema,
            now);
        return (definition, errors);
    }
}
