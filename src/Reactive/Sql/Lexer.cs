using System.Text;

namespace Sluice.Reactive.Sql;

/// <summary>Splits query text into tokens: identifiers, numbers, strings, operators; skips whitespace and comments.</summary>
internal static class Lexer
{
    private static readonly string[] Symbols = ["->>", "->", "<>", "!=", "<=", ">=", "||", "::", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", ";", "=", "<", ">"];

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        while (true)
        {
            // Skip whitespace and comments.
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\n') { i++; line++; lineStart = i; }
                else if (char.IsWhiteSpace(c)) i++;
                else if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
                {
                    while (i < text.Length && text[i] != '\n') i++;
                }
                else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
                {
                    var start = new SourcePos(line, i - lineStart + 1);
                    i += 2;
                    while (i < text.Length && !(text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/'))
                    {
                        if (text[i] == '\n') { line++; lineStart = i + 1; }
                        i++;
                    }
                    if (i >= text.Length) throw Error("unterminated /* comment", start);
                    i += 2;
                }
                else break;
            }

            var pos = new SourcePos(line, i - lineStart + 1);
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", pos));
                return tokens;
            }

            var ch = text[i];
            if (char.IsLetter(ch) || ch == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '$')) i++;
                tokens.Add(new Token(TokenKind.Identifier, text[start..i], pos));
            }
            else if (char.IsDigit(ch) || (ch == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i;
                var kind = TokenKind.Integer;
                while (i < text.Length && char.IsDigit(text[i])) i++;
                if (i < text.Length && text[i] == '.' && !(i + 1 < text.Length && text[i + 1] == '.'))
                {
                    kind = TokenKind.Decimal;
                    i++;
                    while (i < text.Length && char.IsDigit(text[i])) i++;
                }
                if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
                {
                    var save = i;
                    i++;
                    if (i < text.Length && (text[i] == '+' || text[i] == '-')) i++;
                    if (i < text.Length && char.IsDigit(text[i]))
                    {
                        kind = TokenKind.Float;
                        while (i < text.Length && char.IsDigit(text[i])) i++;
                    }
                    else i = save;
                }
                if (i < text.Length && (char.IsLetter(text[i]) || text[i] == '_'))
                    throw Error($"unexpected character '{text[i]}' after number", new SourcePos(line, i - lineStart + 1));
                tokens.Add(new Token(kind, text[start..i], pos));
            }
            else if (ch == '\'')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw Error("unterminated string literal", pos);
                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'') { sb.Append('\''); i += 2; continue; }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') { line++; lineStart = i + 1; }
                    sb.Append(text[i]);
                    i++;
                }
                tokens.Add(new Token(TokenKind.String, sb.ToString(), pos));
            }
            else if (ch == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) throw Error("unterminated quoted identifier", pos);
                if (end == i + 1) throw Error("empty quoted identifier", pos);
                tokens.Add(new Token(TokenKind.QuotedIdentifier, text[(i + 1)..end], pos));
                i = end + 1;
            }
            else
            {
                string? symbol = null;
                foreach (var s in Symbols)
                {
                    if (string.CompareOrdinal(text, i, s, 0, s.Length) == 0) { symbol = s; break; }
                }
                if (symbol is null) throw Error($"unexpected character '{ch}'", pos);
                tokens.Add(new Token(TokenKind.Symbol, symbol, pos));
                i += symbol.Length;
            }
        }
    }

    private static QueryException Error(string message, SourcePos pos) => new($"Syntax error at {pos}: {message}.", pos.Line, pos.Column);
}
