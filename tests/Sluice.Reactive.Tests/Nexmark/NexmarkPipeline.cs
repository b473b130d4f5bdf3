using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Reactive.Tests.Nexmark;

/// <summary>
/// Runs a compiled query in-process over generated events: each event goes, in generation order, to every
/// input reading its stream (with its per-stream offset); then all inputs complete. For an updating query
/// the changelog is applied, so the result is the final table.
/// </summary>
internal static class NexmarkPipeline
{
    /// <param name="query">The compiled query.</param>
    /// <param name="events">Its events, pushed in this order.</param>
    /// <param name="clock">The pipeline's processing time (PROCTIME()); the system clock when null.</param>
    /// <param name="beforeEvent">Called with the event's index before it is pushed (a test moves its clock here).</param>
    /// <param name="beforeCompletion">Called with the result so far after the last event, before the inputs complete.</param>
    /// <param name="batchSize">When set, mini-batching is on (as the service runs queries) and the pipeline is flushed after every this many events.</param>
    public static ResultRows Run(
        CompiledQuery query,
        IReadOnlyList<NexmarkEvent> events,
        ProcessingTimeClock? clock = null,
        Action<int>? beforeEvent = null,
        Action<ResultRows>? beforeCompletion = null,
        int? batchSize = null)
    {
        var subjects = query.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        var layouts = query.Inputs.Select(i => NexmarkRows.Layout(i.Stream, [.. i.Columns.Select(c => c.Name)])).ToArray();
        var result = new ResultRows();
        var failures = new List<string>();
        Exception? error = null;
        var completed = false;
        // Subscribed directly (not through Rx's Subscribe(Action...) overloads), so the subscription is the pipeline's end, which batching walks.
        using var subscription = query.Build(subjects, new QueryStats(), clock).Subscribe(Observer.Create<OutputRow>(
            row =>
            {
                if (row.Op == ChangeOp.Insert)
                {
                    result.Add(row.Values);
                }
                else if (!result.Remove(row.Values))
                {
                    failures.Add("retraction of a row that is not in the result: " + ResultRows.Key(row.Values));
                }
            },
            e => error = e,
            () => completed = true));
        var batches = batchSize is null ? null : PipelineBatches.Of(subscription);

        var offsets = new Dictionary<string, long>();
        for (var n = 0; n < events.Count; n++)
        {
            var e = events[n];
            beforeEvent?.Invoke(n);
            var offset = offsets.GetValueOrDefault(e.Stream);
            offsets[e.Stream] = offset + 1;
            for (var i = 0; i < subjects.Length; i++)
            {
                if (query.Inputs[i].Stream == e.Stream)
                {
                    subjects[i].OnNext(new InputEvent(offset, e.DateTime, layouts[i](e)));
                }
            }
            if (batches is not null && (n + 1) % batchSize == 0)
            {
                batches.Flush();
            }
        }
        batches?.Flush();
        beforeCompletion?.Invoke(result);
        foreach (var subject in subjects)
        {
            subject.OnCompleted();
        }

        if (error is not null)
        {
            throw new InvalidOperationException("The pipeline failed: " + error.Message, error);
        }
        Assert.True(completed, "The output did not complete after every input completed.");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(10)));
        return result;
    }
}
