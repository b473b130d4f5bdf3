using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sluice.Data.Postgres;
using Sluice.Data.Streams;

namespace Sluice.Data.Cluster;

/// <summary>
/// Follows the other nodes' appends and catalog changes (PostgreSQL LISTEN on <see cref="ClusterMode.Channel"/>): an
/// append announcement moves the local log's head, which wakes its cursors (queries and SignalR subscribers), and they
/// read the new events from the table; a catalog announcement re-reads the stream catalog. After (re)connecting it
/// re-reads the catalog and every postgres stream's head, so announcements missed while disconnected are not lost.
/// This node's own append announcements are passed over: the append moved the head itself once its events were in the
/// tail, and an announcement that overtook it would make readers here read those events back from the table.
/// </summary>
public sealed class StreamAnnouncementListener(NpgsqlDataSource dataSource, StreamStore store, ClusterMode cluster, ILogger<StreamAnnouncementListener> logger)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(500);

    // Catalog changes coalesce: one pending re-read covers any number of announcements.
    private readonly Channel<bool> catalogChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place and the catalog and heads were caught up: from then on no announcement is missed.</summary>
    public Task Listening => listening.Task;

    /// <summary>Announcements received, this node's own included (tests and docs/benchmarks.md count them).</summary>
    public long Received => Interlocked.Read(ref received);

    private long received;

    public async Task RunAsync(CancellationToken stop)
    {
        var syncing = SyncCatalogOnChangeAsync(stop);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stop);
                connection.Notification += (_, e) => OnAnnouncement(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterMode.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                await CatchUpAsync(stop);
                listening.TrySetResult();
                while (!stop.IsCancellationRequested)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning("Lost the cluster announcement channel ({Error}); reconnecting.", ex.Message);
                try
                {
                    await Task.Delay(ReconnectDelay, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        catalogChanged.Writer.TryComplete();
        await syncing;
    }

    private void OnAnnouncement(string payload)
    {
        Interlocked.Increment(ref received);
        if (StreamAnnouncements.TryReadAppended(payload, out var stream, out var head, out var writer))
        {
            if (writer == cluster.Writer)
            {
                return;
            }
            if (store.Find(stream) is PostgresStreamLog log)
            {
                log.ObserveHead(head);
            }
            else
            {
                // An append to a stream this node does not know yet: its creation announcement may still be on its way.
                catalogChanged.Writer.TryWrite(true);
            }
        }
        else if (payload == StreamAnnouncements.CatalogChanged)
        {
            catalogChanged.Writer.TryWrite(true);
        }
    }

    private async Task CatchUpAsync(CancellationToken stop)
    {
        await store.SyncAsync(stop);
        foreach (var log in store.List())
        {
            await log.RefreshHeadAsync(stop);
        }
    }

    private async Task SyncCatalogOnChangeAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var _ in catalogChanged.Reader.ReadAllAsync(stop))
            {
                try
                {
                    await store.SyncAsync(stop);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                {
                    logger.LogWarning("Re-reading the stream catalog after another node changed it failed ({Error}); the next announcement tries again.", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
