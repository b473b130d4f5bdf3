using System.Runtime.CompilerServices;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A join whose stored rows expire: left rows [k, v, t] may match right rows up to 5 s after t (left expiry t + 5 s),
/// right rows [k, w, t] left rows up to t. Expired rows stop matching and their memory is released, not just counted.
/// </summary>
public sealed class JoinExpiryOperatorTests
{
    private static readonly long FiveSeconds = TimeSpan.FromSeconds(5).Ticks;

    private sealed class Join
    {
        public readonly ElementRecorder Out = new();
        public readonly QueryStats Stats = new();
        public readonly IObserver<Element> Left;
        public readonly IObserver<Element> Right;

        public Join(bool leftOuter = false)
        {
            var sink = new JoinSink(Out, [E.Column(0)], [E.Column(0)], null, 3, 3, leftOuter, false,
                [new JoinExpiry(E.Column(2), FiveSeconds)], [new JoinExpiry(E.Column(2), 0)], appendOnly: true, Stats);
            Left = sink.LeftObserver;
            Right = sink.RightObserver;
        }
    }

    private static object?[] Row(string? k, long v, double seconds) => [k, v, QueryRun.At(seconds)];

    [Fact]
    public void A_left_row_still_matches_while_the_right_watermark_is_at_its_bound()
    {
        var join = new Join();
        join.Left.OnNext(Element.Insert(Row("a", 1, 1), E.T(1)));
        join.Right.OnNext(E.Wm(6));
        Assert.Equal(1, join.Stats.StateSize);
        join.Right.OnNext(Element.Insert(Row("a", 10, 6), E.T(6)));
        Assert.Single(join.Out.Rows);
    }

    [Fact]
    public void A_left_row_arriving_when_the_right_watermark_is_exactly_at_its_bound_is_stored_and_still_matches()
    {
        var join = new Join();
        join.Right.OnNext(E.Wm(6));
        join.Left.OnNext(Element.Insert(Row("a", 1, 1), E.T(1)));
        Assert.Equal(1, join.Stats.StateSize);
        join.Right.OnNext(Element.Insert(Row("a", 10, 6), E.T(6)));
        Assert.Equal(["+a|1|00:00:01.000|a|10|00:00:06.000"], join.Out.Rows);
        join.Right.OnNext(E.Wm(6.001));
        Assert.Equal(1, join.Stats.StateSize); // the right row a|10 stays until the left watermark passes 6
    }

    [Fact]
    public void An_expired_left_row_no_longer_matches_a_right_row_that_arrives_behind_the_watermark()
    {
        var join = new Join();
        join.Left.OnNext(Element.Insert(Row("a", 1, 1), E.T(1)));
        join.Right.OnNext(E.Wm(6.001));
        Assert.Equal(0, join.Stats.StateSize);
        join.Right.OnNext(Element.Insert(Row("a", 10, 2), E.T(2)));
        Assert.Empty(join.Out.Rows);
    }

    [Fact]
    public void An_expired_right_row_no_longer_matches_a_left_row_that_arrives_behind_the_watermark()
    {
        var join = new Join();
        join.Right.OnNext(Element.Insert(Row("a", 10, 4), E.T(4)));
        join.Left.OnNext(E.Wm(4.001));
        Assert.Equal(0, join.Stats.StateSize);
        join.Left.OnNext(Element.Insert(Row("a", 1, 1), E.T(1)));
        Assert.Empty(join.Out.Rows);
    }

    [Fact]
    public void A_row_that_can_no_longer_find_a_partner_is_joined_but_not_stored()
    {
        var join = new Join();
        join.Right.OnNext(Element.Insert(Row("a", 10, 4), E.T(4)));
        join.Right.OnNext(E.Wm(20));
        join.Left.OnNext(Element.Insert(Row("a", 1, 3), E.T(3)));
        Assert.Equal(["+a|1|00:00:03.000|a|10|00:00:04.000"], join.Out.Rows);
        Assert.Equal(1, join.Stats.StateSize);
    }

    [Fact]
    public void Rows_expire_in_order_of_their_bound_even_when_they_arrive_out_of_order()
    {
        var join = new Join();
        join.Left.OnNext(Element.Insert(Row("a", 1, 10), E.T(10)));
        join.Left.OnNext(Element.Insert(Row("a", 2, 2), E.T(2)));
        join.Left.OnNext(Element.Insert(Row("a", 3, 6), E.T(6)));
        join.Right.OnNext(E.Wm(7.5));
        Assert.Equal(2, join.Stats.StateSize);
        join.Right.OnNext(Element.Insert(Row("a", 10, 7), E.T(7)));
        Assert.Equal(["+a|1|00:00:10.000|a|10|00:00:07.000", "+a|3|00:00:06.000|a|10|00:00:07.000"], join.Out.Rows);
        join.Right.OnNext(E.Wm(11.5));
        Assert.Equal(2, join.Stats.StateSize); // left a|1 until 15, right a|10 until the left watermark passes 7
        join.Left.OnNext(E.Wm(7.5));
        Assert.Equal(1, join.Stats.StateSize);
        join.Right.OnNext(E.Wm(15.5));
        Assert.Equal(0, join.Stats.StateSize);
    }

    [Fact]
    public void A_row_with_a_null_bound_is_released_at_the_first_watermark()
    {
        var join = new Join();
        join.Left.OnNext(E.Ins(1, "a", 1L, null));
        join.Right.OnNext(E.Wm(0));
        Assert.Equal(0, join.Stats.StateSize);
        join.Right.OnNext(Element.Insert(Row("a", 10, 0), E.T(0)));
        Assert.Empty(join.Out.Rows);
    }

    [Fact]
    public void Expired_rows_are_garbage_collectable()
    {
        var join = new Join();
        var stored = StoreRows(join, 100);
        join.Right.OnNext(E.Wm(1_000));
        Assert.Equal(0, join.Stats.StateSize);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(stored, w => Assert.False(w.TryGetTarget(out _), "an expired row is still referenced"));
    }

    [Fact]
    public void Retracted_rows_are_garbage_collectable()
    {
        var out1 = new ElementRecorder();
        var sink = new JoinSink(out1, [E.Column(0)], [E.Column(0)], null, 3, 3, false, false, [], [], appendOnly: false, new QueryStats());
        var stored = RetractRows(sink, 100);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(stored, w => Assert.False(w.TryGetTarget(out _), "a retracted row is still referenced"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<object?[]>> StoreRows(Join join, int count)
    {
        var refs = new List<WeakReference<object?[]>>();
        for (var i = 0; i < count; i++)
        {
            var row = Row("k" + (i % 3), i, i * 0.01);
            refs.Add(new WeakReference<object?[]>(row));
            join.Left.OnNext(Element.Insert(row, E.T(i * 0.01)));
        }
        Assert.Equal(count, join.Stats.StateSize);
        return refs;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<object?[]>> RetractRows(JoinSink sink, int count)
    {
        var refs = new List<WeakReference<object?[]>>();
        var left = sink.LeftObserver;
        for (var i = 0; i < count; i++)
        {
            var row = Row("k" + (i % 3), i, 1);
            refs.Add(new WeakReference<object?[]>(row));
            left.OnNext(Element.Insert(row, E.T(1)));
        }
        // Retractions carry equal rows, not the same arrays.
        for (var i = 0; i < count; i++) left.OnNext(Element.Delete(Row("k" + (i % 3), i, 1), E.T(2)));
        return refs;
    }
}
