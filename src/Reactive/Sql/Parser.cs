using System.Globalization;

namespace Sluice.Reactive.Sql;

/// <summary>
/// Recursive-descent parser (precedence climbing for operators). Nesting is bounded by <see cref="MaxDepth"/>
/// so hostile input ends in a <see cref="QueryException"/>, never a stack overflow.
/// </summary>
internal sealed class Parser
{
    /// <summary>Deepest nesting of expressions and subqueries accepted.</summary>
    public const int MaxDepth = 200;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS",
        "ON", "AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "LIKE", "CASE", "WHEN", "THEN", "ELSE", "END",
        "DISTINCT", "UNION", "ORDER", "LIMIT", "TRUE", "FALSE", "ALL", "NATURAL", "EMIT",
    };

    private readonly List<Token> tokens;
    private int index;
    private int depth;

    private Parser(List<Token> tokens) => this.tokens = tokens;

    public static SelectQuery Parse(string sql)
    {
        var parser = new Parser(Lexer.Tokenize(sql));
        if (parser.Current.Kind == TokenKind.End) throw new QueryException("The query is empty; expected SELECT.", parser.Current.Pos.Line, parser.Current.Pos.Column);
        var query = parser.ParseQuery();
        if (parser.Current.IsSymbol(";")) parser.index++;
        if (parser.Current.Kind != TokenKind.End) throw parser.Expected("end of query");
        return query;
    }

    /// <summary>Parses a standalone expression (tests and tools).</summary>
    public static Expr ParseStandaloneExpression(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        var expr = parser.ParseExpr(0);
        if (parser.Current.Kind != TokenKind.End) throw parser.Expected("end of expression");
        return expr;
    }

    private Token Current => tokens[index];

    private Token Peek(int ahead = 1) => tokens[Math.Min(index + ahead, tokens.Count - 1)];

    private Token Next() => tokens[index++ < tokens.Count - 1 ? index - 1 : tokens.Count - 1];

    private QueryException Expected(string what)
    {
        var token = Current;
        return new QueryException($"Syntax error at {token.Pos}: expected {what} but found {token.Describe()}.", token.Pos.Line, token.Pos.Column);
    }

    private static QueryException Error(string message, SourcePos pos) => new($"{message} (at {pos}).", pos.Line, pos.Column);

    private bool AcceptKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword)) return false;
        index++;
        return true;
    }

    private bool AcceptSymbol(string symbol)
    {
        if (!Current.IsSymbol(symbol)) return false;
        index++;
        return true;
    }

    private Token ExpectKeyword(string keyword) => Current.IsKeyword(keyword) ? Next() : throw Expected(keyword);

    private Token ExpectSymbol(string symbol) => Current.IsSymbol(symbol) ? Next() : throw Expected($"'{symbol}'");

    /// <summary>The ')' of a call, named with the call it closes: "expected ')' to close COUNT( at line 1, column 8".</summary>
    private void ExpectClosing(string function, SourcePos opened)
    {
        if (!AcceptSymbol(")"))
        {
            throw Expected($"')' to close {function.ToUpperInvariant()}( at {opened}");
        }
    }

    private void Enter()
    {
        if (++depth > MaxDepth)
        {
            var pos = Current.Pos;
            throw new QueryException($"The query is nested too deeply at {pos} (more than {MaxDepth} levels of expressions or subqueries).", pos.Line, pos.Column);
        }
    }

    private void Exit(int levels = 1) => depth -= levels;

    private bool IsName(Token token) => token.Kind == TokenKind.QuotedIdentifier || (token.Kind == TokenKind.Identifier && !Reserved.Contains(token.Text));

    private string ExpectName(string what)
    {
        var token = Current;
        if (!IsName(token)) throw Expected(what);
        index++;
        return token.Kind == TokenKind.QuotedIdentifier ? token.Text : token.Text.ToLowerInvariant();
    }

    // ---- queries ----

    private SelectQuery ParseQuery()
    {
        Enter();
        var query = ParseSelectCore();
        var union = new List<SelectQuery>();
        while (Current.IsKeyword("UNION"))
        {
            var unionPos = Next().Pos;
            if (!AcceptKeyword("ALL"))
                throw Error("UNION without ALL (removing duplicates) is not supported; write UNION ALL, and SELECT DISTINCT over it in a subquery if duplicates must go", unionPos);
            union.Add(ParseSelectCore());
        }
        var orderBy = new List<OrderItem>();
        if (AcceptKeyword("ORDER"))
        {
            ExpectKeyword("BY");
            orderBy.AddRange(ParseOrderItems());
        }
        long? limit = null;
        var limitPos = Current.Pos;
        if (AcceptKeyword("LIMIT"))
        {
            if (Current.Kind != TokenKind.Integer || !long.TryParse(Current.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                throw Expected("a positive whole number after LIMIT");
            index++;
            limit = n;
        }
        AcceptEmitOnWindowClose();
        Exit();
        return query with { UnionAll = union, OrderBy = orderBy, Limit = limit, LimitPos = limitPos };
    }

    /// <summary><c>EMIT ON WINDOW CLOSE</c> (RisingWave): what windowed aggregates do anyway, so it is accepted and changes nothing.</summary>
    private void AcceptEmitOnWindowClose()
    {
        if (!AcceptKeyword("EMIT")) return;
        ExpectKeyword("ON");
        if (!AcceptKeyword("WINDOW")) throw Expected("WINDOW CLOSE");
        if (!AcceptKeyword("CLOSE")) throw Expected("CLOSE");
    }

    private List<OrderItem> ParseOrderItems()
    {
        var items = new List<OrderItem>();
        do
        {
            var pos = Current.Pos;
            var expr = ParseExpr(0);
            var descending = false;
            if (AcceptKeyword("DESC")) descending = true;
            else AcceptKeyword("ASC");
            if (AcceptKeyword("NULLS"))
            {
                // PostgreSQL's defaults (NULLS LAST ascending, FIRST descending) are the only order kept.
                var first = AcceptKeyword("FIRST");
                if (!first && !AcceptKeyword("LAST")) throw Expected("FIRST or LAST");
                if (first != descending) throw Error($"NULLS {(first ? "FIRST" : "LAST")} with {(descending ? "DESC" : "ASC")} is not supported; NULLs sort as the largest value", pos);
            }
            items.Add(new OrderItem(expr, descending, pos));
        }
        while (AcceptSymbol(","));
        return items;
    }

    private SelectQuery ParseSelectCore()
    {
        var pos = Current.Pos;
        ExpectKeyword("SELECT");
        var distinct = AcceptKeyword("DISTINCT");
        var distinctOn = new List<Expr>();
        if (distinct && AcceptKeyword("ON"))
        {
            ExpectSymbol("(");
            do
            {
                distinctOn.Add(ParseExpr(0));
            }
            while (AcceptSymbol(","));
            ExpectSymbol(")");
        }
        if (!distinct) AcceptKeyword("ALL");
        var items = new List<SelectItem>();
        do
        {
            items.Add(ParseSelectItem());
        }
        while (AcceptSymbol(","));

        ExpectKeyword("FROM");
        var from = ParseFrom();
        Expr? where = null, having = null;
        var groupBy = new List<Expr>();
        if (AcceptKeyword("WHERE")) where = ParseExpr(0);
        if (AcceptKeyword("GROUP"))
        {
            ExpectKeyword("BY");
            do
            {
                groupBy.Add(ParseExpr(0));
            }
            while (AcceptSymbol(","));
        }
        if (AcceptKeyword("HAVING")) having = ParseExpr(0);
        AcceptEmitOnWindowClose();
        return new SelectQuery(distinct, items, from, where, groupBy, having, pos) { DistinctOn = distinctOn };
    }

    private SelectItem ParseSelectItem()
    {
        var pos = Current.Pos;
        if (Current.IsSymbol("*"))
        {
            index++;
            return new SelectItem(new StarExpr(null, pos), null, pos);
        }
        var expr = ParseExpr(0);
        string? alias = null;
        if (AcceptKeyword("AS")) alias = ExpectName("an alias");
        else if (IsName(Current)) alias = ExpectName("an alias");
        return new SelectItem(expr, alias, pos);
    }

    private Source ParseFrom()
    {
        var left = ParseSourcePrimary();
        while (true)
        {
            var pos = Current.Pos;
            if (AcceptSymbol(","))
            {
                left = new JoinSource(left, ParseSourcePrimary(), JoinKind.Cross, null, pos);
                continue;
            }
            JoinKind kind;
            if (AcceptKeyword("CROSS"))
            {
                ExpectKeyword("JOIN");
                left = new JoinSource(left, ParseSourcePrimary(), JoinKind.Cross, null, pos);
                continue;
            }
            var natural = AcceptKeyword("NATURAL");
            if (AcceptKeyword("JOIN")) kind = JoinKind.Inner;
            else if (AcceptKeyword("INNER")) { ExpectKeyword("JOIN"); kind = JoinKind.Inner; }
            else if (AcceptKeyword("LEFT")) { AcceptKeyword("OUTER"); ExpectKeyword("JOIN"); kind = JoinKind.Left; }
            else if (AcceptKeyword("RIGHT")) { AcceptKeyword("OUTER"); ExpectKeyword("JOIN"); kind = JoinKind.Right; }
            else if (AcceptKeyword("FULL")) { AcceptKeyword("OUTER"); ExpectKeyword("JOIN"); kind = JoinKind.Full; }
            else if (natural) throw Expected("JOIN after NATURAL");
            else return left;
            var right = ParseSourcePrimary();
            if (natural)
            {
                left = new JoinSource(left, right, kind, null, pos) { Natural = true };
                continue;
            }
            ExpectKeyword("ON");
            var on = ParseExpr(0);
            left = new JoinSource(left, right, kind, on, pos);
        }
    }

    private Source ParseSourcePrimary()
    {
        var pos = Current.Pos;
        if (Current.IsSymbol("("))
        {
            if (!Peek().IsKeyword("SELECT")) throw Error("expected a subquery '(SELECT ...)'", Peek().Pos);
            index++;
            var query = ParseQuery();
            ExpectSymbol(")");
            if (AcceptKeyword("AS")) return new SubquerySource(query, ExpectName("an alias"), pos);
            return new SubquerySource(query, IsName(Current) ? ExpectName("an alias") : null, pos);
        }

        var name = Current;
        if (name.Kind == TokenKind.Identifier && Peek().IsSymbol("("))
        {
            WindowKind? kind = name.Text.ToUpperInvariant() switch
            {
                "TUMBLE" => WindowKind.Tumble,
                "HOP" => WindowKind.Hop,
                "SESSION" => WindowKind.Session,
                _ => null,
            };
            if (kind is null) throw Error($"unknown table function '{name.Text}'; expected TUMBLE, HOP or SESSION", name.Pos);
            return ParseWindow(kind.Value, pos);
        }

        var stream = ExpectName("a stream name or subquery");
        return new StreamSource(stream, ParseOptionalAlias(), pos);
    }

    private string? ParseOptionalAlias()
    {
        if (AcceptKeyword("AS")) return ExpectName("an alias");
        return IsName(Current) ? ExpectName("an alias") : null;
    }

    private WindowSource ParseWindow(WindowKind kind, SourcePos pos)
    {
        index += 2;
        AcceptKeyword("TABLE");
        var streamPos = Current.Pos;
        SelectQuery? subquery = null;
        var stream = "";
        if (Current.IsSymbol("(") && Peek().IsKeyword("SELECT"))
        {
            // TUMBLE((SELECT *, PROCTIME() AS p_time FROM bid), p_time, …): windows over a derived column.
            index++;
            subquery = ParseQuery();
            ExpectSymbol(")");
        }
        else stream = ExpectName("a stream name or (SELECT …)");
        ExpectSymbol(",");
        var timePos = Current.Pos;
        var descriptor = Current.IsKeyword("DESCRIPTOR") && Peek().IsSymbol("(");
        if (descriptor) index += 2;
        var time = ParsePrimary();
        if (time is not ColumnExpr timeColumn) throw Error("expected the time column of the window", timePos);
        if (descriptor) ExpectSymbol(")");
        var intervals = new List<Expr>();
        while (AcceptSymbol(",")) intervals.Add(ParseExpr(0));
        ExpectSymbol(")");
        return new WindowSource(kind, stream, streamPos, timeColumn, intervals, ParseOptionalAlias(), pos) { Subquery = subquery };
    }

    // ---- expressions ----

    private const int PrecOr = 1, PrecAnd = 2, PrecNot = 3, PrecCompare = 4, PrecConcat = 5, PrecAdd = 6, PrecMul = 7, PrecUnary = 8;

    internal Expr ParseExpr(int minPrec)
    {
        Enter();
        var chain = 0;
        var left = ParsePrefix(minPrec);
        while (true)
        {
            var token = Current;
            var pos = token.Pos;
            var negated = false;
            var opIndex = index;
            if (token.IsKeyword("NOT") && (Peek().IsKeyword("BETWEEN") || Peek().IsKeyword("IN") || Peek().IsKeyword("LIKE")))
            {
                negated = true;
                token = Peek();
            }

            int prec;
            if (token.IsKeyword("OR")) prec = PrecOr;
            else if (token.IsKeyword("AND")) prec = PrecAnd;
            else if (token.IsKeyword("IS") || token.IsKeyword("BETWEEN") || token.IsKeyword("IN") || token.IsKeyword("LIKE")) prec = PrecCompare;
            else if (token.Kind == TokenKind.Symbol && token.Text is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=") prec = PrecCompare;
            else if (token.IsSymbol("||")) prec = PrecConcat;
            else if (token.IsSymbol("+") || token.IsSymbol("-")) prec = PrecAdd;
            else if (token.IsSymbol("*") || token.IsSymbol("/") || token.IsSymbol("%")) prec = PrecMul;
            else break;
            if (prec < minPrec) break;

            // Each operator in a chain nests the tree one level deeper: count it against the bound.
            chain++;
            Enter();
            index = opIndex + (negated ? 2 : 1);
            if (token.IsKeyword("IS"))
            {
                var not = AcceptKeyword("NOT");
                ExpectKeyword("NULL");
                left = new IsNullExpr(left, not, pos);
            }
            else if (token.IsKeyword("BETWEEN"))
            {
                var low = ParseExpr(PrecConcat);
                ExpectKeyword("AND");
                var high = ParseExpr(PrecConcat);
                left = new BetweenExpr(left, low, high, negated, pos);
            }
            else if (token.IsKeyword("IN"))
            {
                ExpectSymbol("(");
                if (Current.IsKeyword("SELECT")) throw Error("IN (SELECT ...) subqueries are not supported", Current.Pos);
                var items = new List<Expr>();
                do
                {
                    items.Add(ParseExpr(0));
                }
                while (AcceptSymbol(","));
                ExpectSymbol(")");
                left = new InListExpr(left, items, negated, pos);
            }
            else if (token.IsKeyword("LIKE"))
            {
                left = new LikeExpr(left, ParseExpr(PrecConcat), negated, pos);
            }
            else
            {
                var op = token.Kind == TokenKind.Symbol ? (token.Text == "!=" ? "<>" : token.Text) : token.Text.ToUpperInvariant();
                var right = ParseExpr(prec + 1);
                left = new BinaryExpr(op, left, right, pos);
            }
        }
        Exit(chain + 1);
        return left;
    }

    private Expr ParsePrefix(int minPrec)
    {
        var token = Current;
        if (token.IsKeyword("NOT"))
        {
            index++;
            return new UnaryExpr("NOT", ParseExpr(Math.Max(minPrec, PrecNot)), token.Pos);
        }
        if (token.IsSymbol("-") || token.IsSymbol("+"))
        {
            index++;
            var operand = ParseExpr(PrecUnary);
            if (token.Text == "-" && operand is LiteralExpr { Kind: LiteralKind.Integer or LiteralKind.Decimal or LiteralKind.Float } literal)
                return NegateLiteral(literal, token.Pos);
            return token.Text == "-" ? new UnaryExpr("-", operand, token.Pos) : operand;
        }
        return ParsePostfix(ParsePrimary());
    }

    private static LiteralExpr NegateLiteral(LiteralExpr literal, SourcePos pos) => literal.Value switch
    {
        long l => new LiteralExpr(literal.Kind, -l, pos),
        decimal d => new LiteralExpr(literal.Kind, -d, pos),
        double f => new LiteralExpr(literal.Kind, -f, pos),
        _ => literal,
    };

    private Expr ParsePostfix(Expr expr)
    {
        var chain = 0;
        while (true)
        {
            var token = Current;
            if (token.IsSymbol("->") || token.IsSymbol("->>") || token.IsSymbol("::") || token.IsSymbol("["))
            {
                chain++;
                Enter();
            }

            if (token.IsSymbol("["))
            {
                index++;
                var subscript = ParseExpr(0);
                ExpectSymbol("]");
                expr = new SubscriptExpr(expr, subscript, token.Pos);
                continue;
            }

            if (token.IsSymbol("->") || token.IsSymbol("->>"))
            {
                index++;
                if (Current.Kind != TokenKind.String) throw Expected("a quoted key after " + token.Text);
                expr = new JsonAccessExpr(expr, Next().Text, token.Text == "->>", token.Pos);
            }
            else if (token.IsSymbol("::"))
            {
                index++;
                var typePos = Current.Pos;
                expr = new CastExpr(expr, ParseTypeName(), typePos, token.Pos);
            }
            else
            {
                Exit(chain);
                return expr;
            }
        }
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        var pos = token.Pos;
        switch (token.Kind)
        {
            case TokenKind.Integer:
                index++;
                if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                {
                    if (!decimal.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var big)) throw Error($"number {token.Text} is too large", pos);
                    return new LiteralExpr(LiteralKind.Decimal, big, pos);
                }
                return new LiteralExpr(LiteralKind.Integer, integer, pos);
            case TokenKind.Decimal:
                index++;
                if (!decimal.TryParse(token.Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dec)) throw Error($"number {token.Text} is out of range", pos);
                return new LiteralExpr(LiteralKind.Decimal, dec, pos);
            case TokenKind.Float:
                index++;
                return new LiteralExpr(LiteralKind.Float, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture), pos);
            case TokenKind.String:
                index++;
                return new LiteralExpr(LiteralKind.String, token.Text, pos);
            case TokenKind.QuotedIdentifier:
                return ParseNameOrCall();
            case TokenKind.Symbol when token.Text == "(":
                index++;
                if (Current.IsKeyword("SELECT"))
                {
                    var subquery = ParseQuery();
                    ExpectSymbol(")");
                    return new SubqueryExpr(subquery, pos);
                }
                var inner = ParseExpr(0);
                ExpectSymbol(")");
                return inner;
            case TokenKind.Identifier:
                break;
            default:
                throw Expected("an expression");
        }

        switch (token.Text.ToUpperInvariant())
        {
            case "NULL": index++; return new LiteralExpr(LiteralKind.Null, null, pos);
            case "TRUE": index++; return new LiteralExpr(LiteralKind.Boolean, true, pos);
            case "FALSE": index++; return new LiteralExpr(LiteralKind.Boolean, false, pos);
            case "CASE": return ParseCase();
            case "CAST" when Peek().IsSymbol("("):
            {
                index += 2;
                var operand = ParseExpr(0);
                ExpectKeyword("AS");
                var typePos = Current.Pos;
                var type = ParseTypeName();
                ExpectSymbol(")");
                return new CastExpr(operand, type, typePos, pos);
            }
            case "EXTRACT" when Peek().IsSymbol("("):
            {
                index += 2;
                var fieldPos = Current.Pos;
                if (Current.Kind is not (TokenKind.Identifier or TokenKind.String)) throw Expected("a field name such as YEAR or SECOND");
                var field = Next().Text.ToLowerInvariant();
                ExpectKeyword("FROM");
                var source = ParseExpr(0);
                ExpectSymbol(")");
                return new CallExpr("extract", [new LiteralExpr(LiteralKind.String, field, fieldPos), source], false, false, pos);
            }
            case "INTERVAL" when Peek().Kind == TokenKind.String:
                return ParseInterval();
            case "TIMESTAMP" when Peek().Kind == TokenKind.String:
            {
                index++;
                var text = Next();
                if (!TryParseTimestamp(text.Text, out var value)) throw Error($"'{text.Text}' is not a valid timestamp", text.Pos);
                return new LiteralExpr(LiteralKind.Timestamp, value, pos);
            }
        }
        if (Reserved.Contains(token.Text)) throw Expected("an expression");
        return ParseNameOrCall();
    }

    internal static bool TryParseTimestamp(string text, out DateTime value)
    {
        var ok = DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
        value = DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return ok;
    }

    private Expr ParseNameOrCall()
    {
        var pos = Current.Pos;
        var parts = new List<string> { ExpectName("a name") };
        while (Current.IsSymbol("."))
        {
            if (Peek().IsSymbol("*"))
            {
                index += 2;
                if (parts.Count > 1) throw Error($"unknown table '{string.Join('.', parts)}'", pos);
                return new StarExpr(parts[0], pos);
            }
            index++;
            var partToken = Current;
            if (partToken.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
            {
                index++;
                parts.Add(partToken.Kind == TokenKind.QuotedIdentifier ? partToken.Text : partToken.Text.ToLowerInvariant());
            }
            else throw Expected("a name after '.'");
        }

        if (Current.IsSymbol("("))
        {
            index++;
            var name = string.Join('.', parts);
            return ParseCallSuffixes(ParseCallArguments(name, pos));
        }

        return parts.Count switch
        {
            1 => new ColumnExpr(null, parts[0], pos),
            2 => new ColumnExpr(parts[0], parts[1], pos),
            _ => new ColumnExpr(string.Join('.', parts[..^1]), parts[^1], pos),
        };
    }

    /// <summary><c>FILTER (WHERE …)</c> after an aggregate call and <c>OVER (…)</c> after a window function.</summary>
    private CallExpr ParseCallSuffixes(CallExpr call)
    {
        if (Current.IsKeyword("FILTER") && Peek().IsSymbol("("))
        {
            index += 2;
            ExpectKeyword("WHERE");
            var filter = ParseExpr(0);
            ExpectSymbol(")");
            call = call with { Filter = filter };
        }
        if (Current.IsKeyword("OVER"))
        {
            var overPos = Next().Pos;
            ExpectSymbol("(");
            var partition = new List<Expr>();
            var order = new List<OrderItem>();
            if (Current.IsKeyword("PARTITION"))
            {
                index++;
                ExpectKeyword("BY");
                do
                {
                    partition.Add(ParseExpr(0));
                }
                while (AcceptSymbol(","));
            }
            if (AcceptKeyword("ORDER"))
            {
                ExpectKeyword("BY");
                order.AddRange(ParseOrderItems());
            }
            ExpectSymbol(")");
            call = call with { Over = new OverClause(partition, order, overPos) };
        }
        return call;
    }

    private CallExpr ParseCallArguments(string name, SourcePos pos)
    {
        {
            if (AcceptSymbol(")")) return new CallExpr(name, [], false, false, pos);
            if (AcceptSymbol("*"))
            {
                // COUNT(*: what is missing is the ')', not an expression.
                ExpectClosing(name, pos);
                return new CallExpr(name, [], false, true, pos);
            }
            if (name == "trim" && (Current.IsKeyword("BOTH") || Current.IsKeyword("LEADING") || Current.IsKeyword("TRAILING") || Current.IsKeyword("FROM")))
                return ParseTrim(pos);
            var distinct = AcceptKeyword("DISTINCT");
            var args = new List<Expr> { ParseExpr(0) };
            if (name == "substring" && (Current.IsKeyword("FROM") || Current.IsKeyword("FOR")))
            {
                // SUBSTRING(s FROM start [FOR length])
                if (AcceptKeyword("FROM")) args.Add(ParseExpr(0));
                else args.Add(new LiteralExpr(LiteralKind.Integer, 1L, Current.Pos));
                if (AcceptKeyword("FOR")) args.Add(ParseExpr(0));
            }
            else
            {
                // COALESCE and friends compile to a chain: every argument counts as a level.
                while (AcceptSymbol(","))
                {
                    Enter();
                    args.Add(ParseExpr(0));
                }
                Exit(args.Count - 1);
            }
            var orderBy = new List<OrderItem>();
            if (AcceptKeyword("ORDER"))
            {
                ExpectKeyword("BY");
                orderBy.AddRange(ParseOrderItems());
            }
            ExpectClosing(name, pos);
            return new CallExpr(name, args, distinct, false, pos) { OrderBy = orderBy };
        }
    }

    /// <summary><c>TRIM([BOTH | LEADING | TRAILING] [characters] FROM text)</c>, as <c>trim</c>/<c>ltrim</c>/<c>rtrim</c>(text [, characters]).</summary>
    private CallExpr ParseTrim(SourcePos pos)
    {
        var name = "trim";
        if (Current.IsKeyword("LEADING")) name = "ltrim";
        else if (Current.IsKeyword("TRAILING")) name = "rtrim";
        if (!Current.IsKeyword("FROM")) index++;
        Expr? characters = null;
        if (!AcceptKeyword("FROM"))
        {
            characters = ParseExpr(0);
            ExpectKeyword("FROM");
        }
        var text = ParseExpr(0);
        ExpectSymbol(")");
        return new CallExpr(name, characters is null ? [text] : [text, characters], false, false, pos);
    }

    private CaseExpr ParseCase()
    {
        var pos = Next().Pos;
        Expr? operand = null;
        if (!Current.IsKeyword("WHEN")) operand = ParseExpr(0);
        var branches = new List<(Expr, Expr)>();
        // Each branch nests one level deeper once compiled (a chain of conditionals): count it.
        while (AcceptKeyword("WHEN"))
        {
            Enter();
            var when = ParseExpr(0);
            ExpectKeyword("THEN");
            branches.Add((when, ParseExpr(0)));
        }
        if (branches.Count == 0) throw Expected("WHEN");
        Expr? otherwise = null;
        if (AcceptKeyword("ELSE")) otherwise = ParseExpr(0);
        ExpectKeyword("END");
        Exit(branches.Count);
        return new CaseExpr(operand, branches, otherwise, pos);
    }

    private LiteralExpr ParseInterval()
    {
        var pos = Next().Pos;
        var text = Next();
        var parts = text.Text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string unit;
        if (parts.Length == 2) unit = parts[1];
        else if (parts.Length == 1)
        {
            if (Current.Kind != TokenKind.Identifier) throw Expected("an interval unit such as SECOND");
            unit = Next().Text;
        }
        else throw Error($"'{text.Text}' is not a valid interval", text.Pos);

        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            throw Error($"'{text.Text}' is not a valid interval", text.Pos);
        double? milliseconds = unit.ToUpperInvariant().TrimEnd('S') switch
        {
            "MILLISECOND" => amount,
            "SECOND" => amount * 1_000,
            "MINUTE" => amount * 60_000,
            "HOUR" => amount * 3_600_000,
            "DAY" => amount * 86_400_000,
            "WEEK" => amount * 604_800_000,
            _ => null,
        };
        if (milliseconds is not { } ms)
            throw Error($"unsupported interval unit '{unit}'; use MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK", text.Pos);
        // TimeSpan holds about ±29,000 years; a larger (or non-finite) literal is the user's mistake, not an overflow of ours.
        if (!double.IsFinite(ms) || Math.Abs(ms) >= TimeSpan.MaxValue.TotalMilliseconds)
            throw Error($"INTERVAL '{text.Text}'{(parts.Length == 1 ? " " + unit : "")} is too large; an interval can be at most about 29,000 years", text.Pos);
        TimeSpan value = unit.ToUpperInvariant().TrimEnd('S') switch
        {
            "MILLISECOND" => TimeSpan.FromMilliseconds(amount),
            "SECOND" => TimeSpan.FromSeconds(amount),
            "MINUTE" => TimeSpan.FromMinutes(amount),
            "HOUR" => TimeSpan.FromHours(amount),
            "DAY" => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromDays(7 * amount),
        };
        return new LiteralExpr(LiteralKind.Interval, value, pos);
    }

    private string ParseTypeName()
    {
        if (Current.Kind != TokenKind.Identifier) throw Expected("a type name");
        var name = Next().Text.ToLowerInvariant();
        if (name == "double" && Current.IsKeyword("PRECISION")) index++;
        if (name == "timestamp" && (Current.IsKeyword("WITH") || Current.IsKeyword("WITHOUT")))
        {
            index++;
            ExpectKeyword("TIME");
            ExpectKeyword("ZONE");
        }
        if (Current.IsSymbol("("))
        {
            // Precision and scale, as in DECIMAL(10, 2) or VARCHAR(20): accepted, not enforced.
            index++;
            while (!Current.IsSymbol(")"))
            {
                if (Current.Kind is not (TokenKind.Integer or TokenKind.Symbol) || Current.IsSymbol("(")) throw Expected("')'");
                index++;
            }
            index++;
        }
        return name;
    }
}
