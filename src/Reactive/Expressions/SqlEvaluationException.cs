namespace Sluice.Reactive.Expressions;

/// <summary>A run-time error in a query expression (bad cast, division by zero, overflow...). Ends the pipeline with OnError.</summary>
public sealed class SqlEvaluationException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Turns what an expression threw into a message a user can act on.</summary>
    internal static SqlEvaluationException From(Exception e, string where) => e switch
    {
        SqlEvaluationException s => new SqlEvaluationException($"{s.Message} (in {where})", s),
        QueryLimitException => new SqlEvaluationException($"{e.Message} (in {where})", e),
        OverflowException => new SqlEvaluationException($"Numeric overflow (in {where})", e),
        DivideByZeroException => new SqlEvaluationException($"Division by zero (in {where})", e),
        InvalidCastException => new SqlEvaluationException($"A value has an unexpected type (in {where}): {e.Message}", e),
        _ => new SqlEvaluationException($"{e.GetType().Name}: {e.Message} (in {where})", e),
    };
}
