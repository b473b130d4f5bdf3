namespace Sluice.Reactive;

/// <summary>A query that cannot be compiled: syntax, names, types. Positions are 1-based.</summary>
public sealed class QueryException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}
