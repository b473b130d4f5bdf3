using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// The order in which AND and OR evaluate their operands: cheapest first by a coarse static estimate of the cost per
/// row (SQL leaves the order open; PostgreSQL orders a WHERE's quals by cost the same way), moving only operands that
/// cannot fail. Three cost tiers are enough to matter: reading and comparing values, text work that allocates or scans
/// a string, and regular expressions.
/// </summary>
internal static class EvaluationOrder
{
    private const int Step = 1;
    private const int TextWork = 10;
    private const int Regex = 100;

    public static int Cost(BoundExpr expr)
    {
        var own = expr switch
        {
            BoundColumn or BoundLiteral or BoundAggregateRef or BoundScalarSubquery => 0,
            BoundCall call => Cost(call.Function),
            BoundLike or BoundJsonAccess => TextWork,
            // A text operand converted from another type (or the other way) formats or parses.
            BoundCast cast when cast.Type == SqlType.Text || cast.Operand.Type == SqlType.Text => TextWork,
            _ => Step,
        };
        var total = own;
        foreach (var child in expr.Children) total = Math.Min(total + Cost(child), int.MaxValue / 2);
        return total;
    }

    private static int Cost(ScalarFunction function) => function switch
    {
        ScalarFunction.RegexpMatch or ScalarFunction.RegexpReplace => Regex,
        ScalarFunction.Lower or ScalarFunction.Upper or ScalarFunction.Length or ScalarFunction.Substring or ScalarFunction.Concat
            or ScalarFunction.ToChar or ScalarFunction.SplitPart or ScalarFunction.Strpos or ScalarFunction.Trim
            or ScalarFunction.LTrim or ScalarFunction.RTrim => TextWork,
        _ => Step,
    };

    /// <summary>
    /// The operands of a chain of one logical operator (<c>a OR b OR c</c>, however parenthesised) in the order to
    /// evaluate them: cheapest first, except that an operand that can fail never moves ahead of one written before it.
    /// Three-valued AND and OR are commutative and associative, so the result is the same in any order; what the order
    /// changes is which operands run. Moving only operands that cannot fail means a reordering never adds an error
    /// (a guard such as <c>v &lt;&gt; 0 AND 10 / v &gt; 1</c> still guards); it can only skip an expensive operand that
    /// would have failed after a cheap one already decided.
    /// </summary>
    public static List<BoundExpr> For(BoundBinary chain)
    {
        var operands = Operands(chain);
        var costs = operands.Select(Cost).ToArray();
        var fallible = operands.Select(o => Converts(o, SqlType.Boolean)).ToArray();
        var placed = new bool[operands.Count];
        var order = new List<BoundExpr>(operands.Count);
        while (order.Count < operands.Count)
        {
            // Ready: not placed yet, and either unable to fail or with everything written before it placed already.
            var best = -1;
            var earlierUnplaced = false;
            for (var i = 0; i < operands.Count; i++)
            {
                if (placed[i]) continue;
                if ((!fallible[i] || !earlierUnplaced) && (best < 0 || costs[i] < costs[best])) best = i;
                earlierUnplaced = true;
            }
            placed[best] = true;
            order.Add(operands[best]);
        }
        return order;
    }

    private static List<BoundExpr> Operands(BoundBinary chain)
    {
        var operands = new List<BoundExpr>();
        var pending = new Stack<BoundExpr>();
        pending.Push(chain);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (next is BoundBinary b && b.Op == chain.Op)
            {
                pending.Push(b.Right);
                pending.Push(b.Left);
            }
            else
            {
                operands.Add(next);
            }
        }
        return operands;
    }

    /// <summary>
    /// False only when the expression surely evaluates without throwing: typed columns (a value that does not fit its
    /// column decodes to NULL), literals, comparisons, IN lists of literals, IS NULL, NOT, AND, OR, CASE, LOWER, UPPER,
    /// LENGTH, STRPOS, COALESCE, LIKE with a literal pattern and array subscripts, over operands that cannot fail and
    /// need no conversion that could (text to a number, anything from <c>any</c>). Arithmetic, casts and regular
    /// expressions (a backtracking pattern can time out) can fail.
    /// </summary>
    public static bool CanFail(BoundExpr expr) => expr switch
    {
        BoundColumn or BoundLiteral => false,
        BoundIsNull n => CanFail(n.Operand),
        BoundNot n => Converts(n.Operand, SqlType.Boolean),
        BoundBinary { Op: BinaryOp.And or BinaryOp.Or } b => Converts(b.Left, SqlType.Boolean) || Converts(b.Right, SqlType.Boolean),
        BoundBinary { Op: BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual } b =>
            b.OperandType == SqlType.Any || Converts(b.Left, b.OperandType) || Converts(b.Right, b.OperandType),
        BoundInList i => i.OperandType == SqlType.Any || !i.Items.All(x => x is BoundLiteral) || Converts(i.Operand, i.OperandType),
        BoundCase c => c.Conditions.Any(x => Converts(x, SqlType.Boolean)) || c.Values.Any(v => Converts(v, c.Type)) || (c.Else is { } e && Converts(e, c.Type)),
        BoundLike { Pattern: BoundLiteral } like => Converts(like.Operand, SqlType.Text),
        BoundCall { Function: ScalarFunction.Lower or ScalarFunction.Upper or ScalarFunction.Length or ScalarFunction.Strpos } call =>
            call.Args.Any(a => Converts(a, SqlType.Text)),
        BoundCall { Function: ScalarFunction.Coalesce } call => call.Args.Any(a => Converts(a, call.Type)),
        BoundCall { Function: ScalarFunction.ArrayElement } call => CanFail(call.Args[0]) || Converts(call.Args[1], SqlType.Bigint),
        _ => true,
    };

    /// <summary>True when <paramref name="operand"/> can fail, or converting it to <paramref name="target"/> can.</summary>
    private static bool Converts(BoundExpr operand, SqlType target)
    {
        var from = operand.Type;
        var safe = from == target || from == SqlType.Null
            || (from == SqlType.Bigint && target is SqlType.Decimal or SqlType.Double)
            || (from == SqlType.Decimal && target == SqlType.Double);
        return !safe || CanFail(operand);
    }
}
