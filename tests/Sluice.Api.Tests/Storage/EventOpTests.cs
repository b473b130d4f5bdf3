using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Storage;

/// <summary>A changelog op kept beside an event's data (<see cref="EventOp"/>), and the data as the API shows it.</summary>
public sealed class EventOpTests
{
    [Theory]
    [InlineData("""{"k":"a","n":1}""", EventOp.Insert, """{"k":"a","n":1,"op":"+"}""")]
    [InlineData("""{"k":"a"}""", EventOp.Delete, """{"k":"a","op":"-"}""")]
    [InlineData("{}", EventOp.Reset, """{"op":"reset"}""")]
    [InlineData("{ }", EventOp.Insert, """{ "op":"+"}""")]
    [InlineData("""{"nested":{"op":"x"}}""", EventOp.Insert, """{"nested":{"op":"x"},"op":"+"}""")]
    [InlineData("""{"k":"a"}""", EventOp.None, """{"k":"a"}""")]
    public void Wire_data_has_the_op_as_its_last_field(string data, EventOp op, string expected)
    {
        var wire = EventOps.WireData(Encoding.UTF8.GetBytes(data), op);

        Assert.Equal(expected, Encoding.UTF8.GetString(wire.Span));
        Assert.Equal(wire.Length, EventOps.WireLength(Encoding.UTF8.GetBytes(data), op));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("")]
    [InlineData("{")]
    public void Data_beside_an_op_must_be_an_object(string data) =>
        Assert.Throws<ArgumentException>(() => EventOps.WireData(Encoding.UTF8.GetBytes(data), EventOp.Insert));

    [Fact]
    public async Task A_memory_stream_keeps_each_events_op_beside_its_data()
    {
        // The op shares a word with the ingest time: the latest time there is must come back unchanged beside every op.
        var latest = DateTimeOffset.MaxValue;
        var log = await new MemoryStreamEngine(new FakeTimeProvider(latest)).CreateAsync(
            new StreamDefinition("changes", StorageKind.Memory, null, TimeSpan.Zero, 16, null, DateTimeOffset.UnixEpoch), CancellationToken.None);
        EventOp[] ops = [EventOp.None, EventOp.Insert, EventOp.Delete, EventOp.Reset];
        await log.AppendAsync(ops.Select(op => new NewEvent(latest, "{}"u8.ToArray()) { Op = op }).ToList(), CancellationToken.None);

        var read = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        var viaCursor = Assert.IsType<CursorRead.Events>(await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries.Select(e => e.Event).ToList();

        Assert.Equal(ops, read.Select(e => e.Op));
        Assert.Equal(ops, viaCursor.Select(e => e.Op));
        Assert.All(read, e => Assert.Equal(latest, e.Timestamp));
        Assert.All(read, e => Assert.Equal("{}", Encoding.UTF8.GetString(e.Data.Span)));
        Assert.All(read, e => Assert.Equal(latest, e.IngestedAt));
    }
}
