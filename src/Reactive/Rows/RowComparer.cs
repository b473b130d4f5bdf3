using System.Text.Json;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Value equality of rows, so a changelog's <c>-</c> row finds the <c>+</c> row it retracts.
/// Json values compare by content (<see cref="JsonElement.DeepEquals"/>).
/// </summary>
public sealed class RowComparer : IEqualityComparer<object?[]>
{
    public static RowComparer Instance { get; } = new();

    public bool Equals(object?[]? x, object?[]? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }
        if (x is null || y is null || x.Length != y.Length)
        {
            return false;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (!ValueEquals(x[i], y[i]))
            {
                return false;
            }
        }
        return true;
    }

    public int GetHashCode(object?[] obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        foreach (var value in obj)
        {
            // Json values hash by kind only: equal content may be spelled differently.
            hash.Add(value is JsonElement json ? json.ValueKind : value);
        }
        return hash.ToHashCode();
    }

    private static bool ValueEquals(object? x, object? y) => (x, y) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b),
        _ => x.Equals(y),
    };
}
