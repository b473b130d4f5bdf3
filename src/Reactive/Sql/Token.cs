namespace Sluice.Reactive.Sql;

/// <summary>A 1-based position in the query text.</summary>
internal readonly record struct SourcePos(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}

internal enum TokenKind
{
    Identifier,
    QuotedIdentifier,
    Integer,
    Decimal,
    Float,
    String,
    Symbol,
    End,
}

/// <summary>One lexical token. For symbols, <see cref="Text"/> is the operator itself.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourcePos Pos)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of query",
        TokenKind.String => $"'{Text}'",
        TokenKind.QuotedIdentifier => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}
