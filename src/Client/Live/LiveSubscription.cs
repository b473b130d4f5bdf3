using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Sluice.Client;

/// <summary>
/// One live subscription that survives disconnects and "fell behind" endings: it remembers the offset after the last
/// event it delivered and subscribes again from there (or from the offset the service names), so the caller sees every
/// retained event once, in order, with no gap and no duplicate.
/// </summary>
/// <remarks>
/// Each subscription has its own hub connection, so one subscriber's reconnects never disturb another's. A start at
/// the head (<c>from</c> null) is pinned to the stream's head offset first, so even a reconnect before the first event
/// loses nothing appended since the call.
/// </remarks>
internal sealed class LiveSubscription(SluiceClient client, string stream, long? from)
{
    private const string HubPath = "hubs/streams";

    public async IAsyncEnumerable<StreamEvent> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = from ?? (await client.GetStreamAsync(stream, cancellationToken)).HeadOffset;
        var failures = 0;
        HubConnection? connection = null;
        try
        {
            while (true)
            {
                Exception? lost = null;
                if (connection is null)
                {
                    connection = Connect();
                    try
                    {
                        await connection.StartAsync(cancellationToken);
                    }
                    catch (Exception error) when (!cancellationToken.IsCancellationRequested)
                    {
                        lost = error;
                    }
                }
                if (lost is null)
                {
                    var events = connection.StreamAsync<StreamEvent>("Subscribe", stream, next, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    try
                    {
                        while (true)
                        {
                            try
                            {
                                if (!await events.MoveNextAsync())
                                {
                                    // The service completes a subscription only when it is cancelled; treat anything else as a lost connection.
                                    lost = new InvalidOperationException($"The subscription to '{stream}' ended without an error.");
                                    break;
                                }
                            }
                            catch (HubException error) when (!cancellationToken.IsCancellationRequested && HubErrors.IsAnswerToSubscribe(error.Message))
                            {
                                var message = HubErrors.ServiceMessage(error.Message);
                                if (HubErrors.ResumeOffset(message) is not { } resumeFrom)
                                {
                                    throw new SubscriptionException(stream, message, HubErrors.FirstRetainedOffset(message), error);
                                }
                                // Fell behind: the connection is fine, subscribe again on it from where the service says.
                                next = Math.Max(next, resumeFrom);
                                break;
                            }
                            catch (Exception error) when (!cancellationToken.IsCancellationRequested && error is not SubscriptionException)
                            {
                                lost = error;
                                break;
                            }
                            var item = events.Current;
                            if (item.Offset < next)
                            {
                                continue; // already delivered before a resume
                            }
                            next = item.Offset + 1;
                            failures = 0;
                            yield return item;
                        }
                    }
                    finally
                    {
                        await events.DisposeAsync();
                    }
                }
                if (lost is not null)
                {
                    await connection.DisposeAsync();
                    connection = null;
                    if (client.Options.ReconnectDelay(++failures) is not { } delay)
                    {
                        throw new SubscriptionException(stream, $"The subscription to '{stream}' lost its connection and the reconnect policy gave up at attempt {failures}: {lost.Message}", null, lost);
                    }
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private HubConnection Connect()
    {
        var options = client.Options;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(client.BaseAddress, HubPath), http =>
            {
                if (options.Token is { Length: > 0 } token)
                {
                    http.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
                options.ConfigureHubConnection?.Invoke(http);
            })
            .Build();
    }
}
