using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Npgsql;
using Sluice.Api.Tests.Postgres;
using Sluice.Data.Cluster;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Xunit.Abstractions;
using static Sluice.Api.Tests.Cluster.ClusterNodesTests;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// Postgres streams with several writers (docs/cluster.md): two nodes of one cluster, in this process, over one database.
/// Offsets stay unique and gapless whichever node appends, a reader on one node follows appends made on the other, and
/// the writes of a query that moved to another node are refused by PostgreSQL (fencing).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterStreamsTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = ClusterNodesTests.Patience;

    [Fact]
    public async Task Appends_racing_from_two_nodes_get_unique_gapless_offsets()
    {
        const int writersPerNode = 4, appendsEach = 20, perAppend = 5;
        var database = await server.CreateDatabaseAsync(nameof(Appends_racing_from_two_nodes_get_unique_gapless_offsets));
        await using var a = await ClusterNode.StartAsync("a", database);
        await using var b = await ClusterNode.StartAsync("b", database);
        // As on a service node: each hears the other's appends (and refusals) and then takes the stream's lock.
        await a.ListenAsync();
        await b.ListenAsync();
        await a.Store.CreateAsync(Definition("raced"), CancellationToken.None);
        await b.Store.SyncAsync(CancellationToken.None);
        var logs = new[] { a.Store.Find("raced")!, b.Store.Find("raced")! };
        Assert.All(logs, Assert.NotNull);

        var appenders = logs.SelectMany((log, node) => Enumerable.Range(0, writersPerNode).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < appendsEach; i++)
            {
                var batch = Enumerable.Range(0, perAppend).Select(k => Event($$"""{"node":{{node}},"w":{{w}},"i":{{i}},"k":{{k}}}""")).ToList();
                await log.AppendAsync(batch, CancellationToken.None);
            }
        })));
        await Task.WhenAll(appenders).WaitAsync(Patience);

        const int total = 2 * writersPerNode * appendsEach * perAppend;
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"offset\", data::text FROM sluice_events.raced ORDER BY \"offset\"", connection);
        var offsets = new List<long>();
        var payloads = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                offsets.Add(reader.GetInt64(0));
                Assert.True(payloads.Add(reader.GetString(1)), $"event {reader.GetString(1)} stored twice");
            }
        }
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), offsets);
        // Each node's head caught up with the other's appends (each reads the head under the lock before it writes).
        await a.Store.Find("raced")!.RefreshHeadAsync(CancellationToken.None);
        Assert.Equal(total, a.Store.Find("raced")!.Position.HeadOffset);
    }

    [Fact]
    public async Task A_node_writing_at_a_head_another_node_has_moved_writes_again_after_that_nodes_events()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_node_writing_at_a_head_another_node_has_moved_writes_again_after_that_nodes_events));
        // No listeners: neither node hears of the other's appends, so a's head stays where its own last write left it.
        await using var a = await ClusterNode.StartAsync("a", database);
        await using var b = await ClusterNode.StartAsync("b", database);
        await a.Store.CreateAsync(Definition("stale"), CancellationToken.None);
        await b.Store.SyncAsync(CancellationToken.None);
        var onA = a.Store.Find("stale")!;
        await onA.AppendAsync([Event("""{"a":0}"""), Event("""{"a":1}""")], CancellationToken.None);
        await onA.AppendAsync([Event("""{"a":2}""")], CancellationToken.None);
        var byB = await b.Store.Find("stale")!.AppendAsync([Event("""{"b":0}"""), Event("""{"b":1}""")], CancellationToken.None);
        Assert.Equal(3, byB.FirstOffset);
        Assert.Equal(3, onA.Position.HeadOffset);

        // a wrote last as far as it knows, so it writes at its own head (3) without the lock: the offsets' primary key
        // refuses that, and a writes again after b's events, under the lock.
        var again = await onA.AppendAsync([Event("""{"a":3}"""), Event("""{"a":4}""")], CancellationToken.None);

        Assert.Equal((5, 6), (again.FirstOffset, again.LastOffset));
        Assert.Equal(7, onA.Position.HeadOffset);
        Assert.Equal(["{\"a\":0}", "{\"a\":1}", "{\"a\":2}", "{\"b\":0}", "{\"b\":1}", "{\"a\":3}", "{\"a\":4}"], await StoredAsync(database, "stale"));
        // a's readers get b's events from the table, and a's own from its tail.
        var read = Assert.IsType<ReadOutcome.Events>(await a.Store.ReadAsync("stale", 0, 10, CancellationToken.None));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), read.Items.Select(e => e.Offset));
    }

    [Fact]
    public async Task A_write_refused_for_offsets_another_node_took_is_announced_so_that_node_takes_the_lock()
    {
        // Regression: the node whose offsets were taken retried under the lock while the other, hearing nothing (a refused
        // write commits no announcement), kept writing without it just ahead of every retry, until the retries ran out.
        var database = await server.CreateDatabaseAsync(nameof(A_write_refused_for_offsets_another_node_took_is_announced_so_that_node_takes_the_lock));
        await using var a = await ClusterNode.StartAsync("a", database);
        await using var b = await ClusterNode.StartAsync("b", database);
        await b.ListenAsync();
        await a.Store.CreateAsync(Definition("contended"), CancellationToken.None);
        await b.Store.SyncAsync(CancellationToken.None);
        var onA = a.Store.Find("contended")!;
        var onB = b.Store.Find("contended")!;
        // a writes twice (it writes alone from the second write on: nothing tells it of b), b once, which a does not hear.
        await onA.AppendAsync([Event("""{"a":0}"""), Event("""{"a":1}""")], CancellationToken.None);
        await onA.AppendAsync([Event("""{"a":2}""")], CancellationToken.None);
        Assert.Equal(3, (await onB.AppendAsync([Event("""{"b":0}""")], CancellationToken.None)).FirstOffset);
        // b hears a's two appends and its own one.
        await EventuallyAsync(() => Task.FromResult(b.Listener!.Received >= 3), "b did not hear the three appends");
        var heard = b.Listener!.Received;

        // a writes at its own head, 3, without the lock: refused, announced, written again under the lock after b's event.
        var again = await onA.AppendAsync([Event("""{"a":3}""")], CancellationToken.None);

        Assert.Equal(4, again.FirstOffset);
        // The refusal's announcement and the append's: without the first, b would go on writing without the lock.
        await EventuallyAsync(() => Task.FromResult(b.Listener.Received - heard >= 2),
            $"b heard {b.Listener.Received - heard} announcement(s) of a's refused and then committed write, not two");
        Assert.Equal(["{\"a\":0}", "{\"a\":1}", "{\"a\":2}", "{\"b\":0}", "{\"a\":3}"], await StoredAsync(database, "contended"));
    }

    [Fact]
    public async Task A_node_reads_its_own_appends_from_its_tail_though_its_announcements_reach_it()
    {
        const int appends = 200;
        var database = await server.CreateDatabaseAsync(nameof(A_node_reads_its_own_appends_from_its_tail_though_its_announcements_reach_it));
        await using var node = await ClusterNode.StartAsync("alone", database);
        await node.ListenAsync();
        await node.Store.CreateAsync(Definition("own"), CancellationToken.None);
        var log = node.Store.Find("own")!;
        using var timeout = new CancellationTokenSource(Patience);
        var cursor = log.OpenCursor(0);
        var received = node.Listener!.Received;

        // A reader waits at the head while the node appends: each append wakes it once its events are in the tail.
        var reading = Task.Run(async () =>
        {
            var next = 0L;
            while (next < appends)
            {
                var read = Assert.IsType<CursorRead.Events>(await cursor.ReadAsync(100, timeout.Token));
                foreach (var entry in read.Entries)
                {
                    Assert.Equal(next++, entry.Offset);
                }
            }
        });
        for (var i = 0; i < appends; i++)
        {
            await log.AppendAsync([Event($$"""{"i":{{i}}}""")], CancellationToken.None);
        }
        await reading.WaitAsync(Patience);
        // Every append's announcement came back to this node's listener too; none of them moved the head ahead of the tail.
        await EventuallyAsync(() => Task.FromResult(node.Listener.Received - received >= appends),
            $"the listener heard {node.Listener.Received - received} of the node's own {appends} announcements");
        Assert.Equal(0, log.Tail.StoreReads);
    }

    [Fact]
    public async Task A_paused_owner_that_never_wrote_is_refused_on_its_first_write_after_the_move()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_paused_owner_that_never_wrote_is_refused_on_its_first_write_after_the_move));
        await using var old = await ClusterNode.StartAsync("old", database);
        await using var current = await ClusterNode.StartAsync("new", database);
        await old.Store.CreateAsync(Definition("q"), CancellationToken.None);
        await current.Store.SyncAsync(CancellationToken.None);
        var oldEpoch = await old.Owners.TakeAsync("q", CancellationToken.None);
        var newEpoch = await current.Owners.TakeAsync("q", CancellationToken.None);

        // The old owner's first write reads the head under the stream's lock (it has not written yet); the fence refuses it all the same.
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await old.Store.Find("q")!.AppendAsync([Event("""{"by":"old"}""")], new AppendConditions(FenceEpoch: oldEpoch), CancellationToken.None));
        Assert.True(ClusterTables.IsFenced(refused), refused.ToString());
        var appended = await current.Store.Find("q")!.AppendAsync([Event("""{"by":"new"}""")], new AppendConditions(FenceEpoch: newEpoch), CancellationToken.None);
        Assert.Equal(0, Assert.IsType<AppendOutcome.Appended>(appended).Result.FirstOffset);
        Assert.Equal(["{\"by\":\"new\"}"], await StoredAsync(database, "q"));
    }

    [Fact]
    public async Task A_cursor_on_one_node_follows_appends_made_on_another_without_a_gap()
    {
        const int appends = 200;
        var database = await server.CreateDatabaseAsync(nameof(A_cursor_on_one_node_follows_appends_made_on_another_without_a_gap));
        await using var writer = await ClusterNode.StartAsync("writer", database);
        await using var reader = await ClusterNode.StartAsync("reader", database);
        await reader.ListenAsync();
        await writer.Store.CreateAsync(Definition("followed"), CancellationToken.None);
        // The creation is announced: the reader's store opens the stream without being asked.
        var followed = await EventuallyAsync(() => Task.FromResult(reader.Store.Find("followed")), "the reader did not open the announced stream");
        using var timeout = new CancellationTokenSource(Patience);
        var cursor = followed.OpenCursor(0);

        var appendedAt = new long[appends];
        var writing = Task.Run(async () =>
        {
            var log = writer.Store.Find("followed")!;
            for (var i = 0; i < appends; i++)
            {
                await log.AppendAsync([Event($$"""{"i":{{i}}}""")], CancellationToken.None);
                appendedAt[i] = Stopwatch.GetTimestamp();
            }
        });
        var latencies = new List<double>();
        var next = 0L;
        while (next < appends)
        {
            var read = Assert.IsType<CursorRead.Events>(await cursor.ReadAsync(100, timeout.Token));
            var now = Stopwatch.GetTimestamp();
            foreach (var entry in read.Entries)
            {
                Assert.Equal(next, entry.Offset);
                Assert.Equal((int)next, JsonDocument.Parse(entry.Event.Data).RootElement.GetProperty("i").GetInt32());
                if (appendedAt[next] != 0)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(appendedAt[next], now).TotalMilliseconds);
                }
                next++;
            }
        }
        await writing;
        Assert.True(reader.Listener!.Received >= 1, "the reader followed without any announcement, so this test proves nothing about them");
        latencies.Sort();
        if (latencies.Count > 0)
        {
            output.WriteLine($"append committed on one node -> read on the other: p50 {latencies[latencies.Count / 2]:F2} ms, " +
                             $"p99 {latencies[(int)(latencies.Count * 0.99)]:F2} ms over {latencies.Count} appends (shared machine)");
        }
    }

    [Fact]
    public async Task Writes_of_a_query_that_moved_to_another_node_are_refused()
    {
        var database = await server.CreateDatabaseAsync(nameof(Writes_of_a_query_that_moved_to_another_node_are_refused));
        await using var old = await ClusterNode.StartAsync("old", database);
        await using var current = await ClusterNode.StartAsync("new", database);
        await old.Store.CreateAsync(Definition("q"), CancellationToken.None);
        await current.Store.SyncAsync(CancellationToken.None);
        var oldEpoch = await old.Owners.TakeAsync("q", CancellationToken.None);
        await old.Store.Find("q")!.AppendAsync([Event("""{"by":"old"}""")], new AppendConditions(FenceEpoch: oldEpoch), CancellationToken.None);

        // The query moves: the new owner takes it over, as its grain does on activation.
        var newEpoch = await current.Owners.TakeAsync("q", CancellationToken.None);
        Assert.Equal(oldEpoch + 1, newEpoch);

        var output = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await old.Store.Find("q")!.AppendAsync([Event("""{"by":"old, paused"}""")], new AppendConditions(FenceEpoch: oldEpoch), CancellationToken.None));
        Assert.True(ClusterTables.IsFenced(output), output.ToString());
        var journal = await Assert.ThrowsAnyAsync<Exception>(() => old.Queries.AppendJournalAsync("q", [new JournalEntry(1, 0, 10)], oldEpoch, CancellationToken.None));
        Assert.True(ClusterTables.IsFenced(journal), journal.ToString());
        var checkpoint = await Assert.ThrowsAnyAsync<Exception>(() => old.Queries.SaveCheckpointAsync(
            new StoredCheckpoint("q", 1, [10], 1, 0, [], DateTimeOffset.UtcNow), oldEpoch, CancellationToken.None));
        Assert.True(ClusterTables.IsFenced(checkpoint), checkpoint.ToString());

        var appended = await current.Store.Find("q")!.AppendAsync([Event("""{"by":"new"}""")], new AppendConditions(FenceEpoch: newEpoch), CancellationToken.None);
        Assert.Equal(1, Assert.IsType<AppendOutcome.Appended>(appended).Result.FirstOffset);
        await current.Queries.AppendJournalAsync("q", [new JournalEntry(1, 0, 10)], newEpoch, CancellationToken.None);
        Assert.Equal([new JournalEntry(1, 0, 10)], await current.Queries.ReadJournalAsync("q", 0, CancellationToken.None));
    }

    [Fact]
    public async Task A_schema_redefined_on_one_node_reaches_the_others()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_schema_redefined_on_one_node_reaches_the_others));
        await using var a = await ClusterNode.StartAsync("a", database);
        await using var b = await ClusterNode.StartAsync("b", database);
        await b.ListenAsync();
        var before = new Dictionary<string, FieldType> { ["x"] = FieldType.Bigint };
        await a.Store.CreateAsync(Definition("redefined") with { Schema = before }, CancellationToken.None);
        var seen = await EventuallyAsync(() => Task.FromResult(b.Store.Find("redefined")), "b did not open the announced stream");
        Assert.Equal(before, seen.Definition.Schema);

        // What a replace does to its query's output on the node that runs it.
        var after = new Dictionary<string, FieldType> { ["y"] = FieldType.Text, ["op"] = FieldType.Text };
        Assert.True(await a.Store.RedefineAsync("redefined", after, CancellationToken.None));

        await EventuallyAsync(() => Task.FromResult(b.Store.Find("redefined") is { Definition.Schema.Count: 2 }), "b did not take the redefined schema");
        Assert.Equal(after.OrderBy(f => f.Key), b.Store.Find("redefined")!.Definition.Schema!.OrderBy(f => f.Key));
    }

    [Fact]
    public async Task A_stream_deleted_and_created_again_on_another_node_is_read_from_its_new_head()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_stream_deleted_and_created_again_on_another_node_is_read_from_its_new_head));
        await using var a = await ClusterNode.StartAsync("a", database);
        await using var b = await ClusterNode.StartAsync("b", database);
        await a.Store.CreateAsync(Definition("again"), CancellationToken.None);
        await a.Store.Find("again")!.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Event($$"""{"old":{{i}}}"""))], CancellationToken.None);
        await b.Store.SyncAsync(CancellationToken.None);
        await b.Store.Find("again")!.RefreshHeadAsync(CancellationToken.None);
        Assert.Equal(5, b.Store.Find("again")!.Position.HeadOffset);

        // Both changes land before b looks again, as when it reads two coalesced announcements at once (or missed both).
        Assert.True(await a.Store.DeleteAsync("again", CancellationToken.None));
        await a.Store.CreateAsync(Definition("again"), CancellationToken.None);
        await a.Store.Find("again")!.AppendAsync([Event("""{"new":0}"""), Event("""{"new":1}""")], CancellationToken.None);
        await b.Store.SyncAsync(CancellationToken.None);

        var log = b.Store.Find("again")!;
        Assert.Equal(2, log.Position.HeadOffset);
        var read = Assert.IsType<ReadOutcome.Events>(await b.Store.ReadAsync("again", 0, 10, CancellationToken.None));
        Assert.Equal([0, 1], read.Items.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("new").GetInt32()));
    }

    /// <summary>The payloads the stream's table holds, in offset order.</summary>
    private static async Task<List<string>> StoredAsync(string database, string stream)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT data::text FROM sluice_events.{stream} ORDER BY \"offset\"", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var payloads = new List<string>();
        while (await reader.ReadAsync())
        {
            payloads.Add(reader.GetString(0));
        }
        return payloads;
    }

    private static StreamDefinition Definition(string name) =>
        new(name, StorageKind.Postgres, null, TimeSpan.Zero, null, null, DateTimeOffset.UtcNow, null);

    private static NewEvent Event(string json) => new(DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(json));
}
