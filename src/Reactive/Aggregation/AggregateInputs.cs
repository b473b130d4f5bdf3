using Sluice.Reactive.Expressions;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The arguments of a GROUP BY's aggregates taken apart into their FILTER conditions and their values, each distinct
/// one (by its printed text) compiled once, so a row evaluates each condition and each value once however many
/// aggregates use it. Nexmark q16 has thirteen aggregate arguments over three conditions and three values: evaluated
/// per aggregate, each price range was tested three times and each table probed once per aggregate.
/// Aggregate i's argument is <c>Values[ValueOf[i]]</c> when <c>Conditions[ConditionOf[i]]</c> holds (or it has none),
/// NULL otherwise: exactly <c>CASE WHEN c THEN x END</c>, which is what the binder folds FILTER (WHERE c) into.
/// Compiled delegates are pure, so pipelines of one query share this object.
/// </summary>
internal sealed class AggregateInputs
{
    /// <summary>At most this many distinct conditions (a row's results are one bit each of a mask).</summary>
    public const int MaxConditions = 32;

    private AggregateInputs(Func<object?[], bool>[] conditions, Func<object?[], object?>[] values, int[] conditionOf, int[] valueOf)
    {
        Conditions = conditions;
        Values = values;
        ConditionOf = conditionOf;
        ValueOf = valueOf;
    }

    public Func<object?[], bool>[] Conditions { get; }

    public Func<object?[], object?>[] Values { get; }

    /// <summary>Per aggregate, the index of its FILTER condition; -1 when it has none.</summary>
    public int[] ConditionOf { get; }

    /// <summary>Per aggregate, the index of its value; -1 for COUNT(*).</summary>
    public int[] ValueOf { get; }

    /// <summary>
    /// The arguments of <paramref name="calls"/> taken apart, or null when one of them is not a plain value or a
    /// <c>CASE WHEN c THEN x END</c> of x's own type (those keep their one delegate each).
    /// </summary>
    public static AggregateInputs? For(IReadOnlyList<AggregateCall> calls)
    {
        var conditions = new List<BoundExpr>();
        var values = new List<BoundExpr>();
        var conditionOf = new int[calls.Count];
        var valueOf = new int[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            conditionOf[i] = -1;
            valueOf[i] = -1;
            if (calls[i].Argument is not { } argument) continue;
            var value = argument;
            if (argument is BoundCase filtered)
            {
                if (filtered is not { Conditions.Count: 1, Else: null } || filtered.Values[0].Type != filtered.Type) return null;
                conditionOf[i] = IndexOf(conditions, filtered.Conditions[0]);
                value = filtered.Values[0];
            }
            valueOf[i] = IndexOf(values, value);
        }
        if (conditions.Count > MaxConditions) return null;
        return new AggregateInputs(
            [.. conditions.Select(ExpressionCompiler.CompilePredicate)],
            [.. values.Select(ExpressionCompiler.CompileValue)],
            conditionOf,
            valueOf);
    }

    private static int IndexOf(List<BoundExpr> distinct, BoundExpr expr)
    {
        var text = expr.ToString();
        var index = distinct.FindIndex(e => e.Type == expr.Type && e.ToString() == text);
        if (index >= 0) return index;
        distinct.Add(expr);
        return distinct.Count - 1;
    }
}
