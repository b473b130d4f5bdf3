using System.Text.Json.Serialization;

namespace Sluice.Data.Postgres;

/// <summary>One schema field as stored in <c>streams.schema</c>.</summary>
internal sealed record SchemaField(string Name, string Type);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SchemaField[]))]
internal sealed partial class CatalogJson : JsonSerializerContext;
