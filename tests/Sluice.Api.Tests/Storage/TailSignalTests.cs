using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// The "something was appended" signal: a pulse wakes every reader that took the task before it, a pulse nobody took
/// the task of replaces nothing, and a reader that checks the head after taking the task never misses an append.
/// </summary>
public sealed class TailSignalTests
{
    [Fact]
    public void A_pulse_completes_the_task_a_reader_took_and_installs_a_fresh_one()
    {
        var signal = new TailSignal();
        var taken = signal.Current;

        signal.Pulse();

        Assert.True(taken.IsCompletedSuccessfully);
        Assert.False(signal.Current.IsCompleted);
    }

    [Fact]
    public void Pulses_while_no_reader_holds_the_task_keep_it()
    {
        var signal = new TailSignal();
        _ = signal.Current; // taken once, then completed by the first pulse
        signal.Pulse();

        signal.Pulse();
        signal.Pulse();
        var taken = signal.Current;
        var again = signal.Current;

        Assert.False(taken.IsCompleted);
        Assert.Same(taken, again);
        signal.Pulse();
        Assert.True(taken.IsCompletedSuccessfully);
    }

    [Fact]
    public void Close_completes_the_task_a_reader_holds_and_marks_the_signal_closed()
    {
        var signal = new TailSignal();
        var taken = signal.Current;

        signal.Close();

        Assert.True(taken.IsCompletedSuccessfully);
        Assert.True(signal.IsClosed);
    }

    [Fact]
    public async Task A_reader_that_checks_the_head_after_taking_the_task_sees_every_append()
    {
        // The reader's loop is StreamLog.WaitForAppendAsync's: take the task, check the head, wait. The writer moves the
        // head and pulses, as an append does, as fast as it can, so that pulses fall between every step of the reader.
        const long appends = 200_000;
        var signal = new TailSignal();
        long head = 0;
        var reader = Task.Run(async () =>
        {
            var seen = 0L;
            while (seen < appends)
            {
                var pending = signal.Current;
                var now = Volatile.Read(ref head);
                if (now > seen)
                {
                    seen = now;
                    continue;
                }
                // A lost wake-up leaves the reader here for good: the timeout fails the test instead.
                await pending.WaitAsync(TimeSpan.FromSeconds(30));
            }
        });
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < appends; i++)
            {
                Interlocked.Increment(ref head);
                signal.Pulse();
            }
        });

        await writer;
        await reader.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(appends, Volatile.Read(ref head));
    }
}
