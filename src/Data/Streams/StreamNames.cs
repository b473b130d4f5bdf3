using System.Text.RegularExpressions;

namespace Sluice.Data.Streams;

public static partial class StreamNames
{
    public const string Pattern = "^[a-z][a-z0-9_]{0,62}$";

    // Pattern as users read it; matched with \z, since $ would also accept a name ending in "\n".
    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    public static bool IsValid(string? name) => name is not null && NameRegex().IsMatch(name);
}
