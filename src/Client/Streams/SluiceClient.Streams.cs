using System.Globalization;
using System.Net.Http.Headers;

namespace Sluice.Client;

public sealed partial class SluiceClient
{
    private const string NdjsonMediaType = "application/x-ndjson";

    /// <summary>Creates a stream (<c>POST /api/streams</c>); 409 when the name is taken.</summary>
    public Task<StreamInfo> CreateStreamAsync(StreamDefinition definition, CancellationToken cancellationToken = default) =>
        SendAsync<StreamInfo>(HttpMethod.Post, "api/streams", JsonBody(definition), cancellationToken);

    /// <summary>Lists the streams the caller may read.</summary>
    public async Task<IReadOnlyList<StreamInfo>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<StreamInfo[]>(HttpMethod.Get, "api/streams", null, cancellationToken);

    /// <summary>Describes a stream: definition, head offset, count, first retained offset.</summary>
    public Task<StreamInfo> GetStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<StreamInfo>(HttpMethod.Get, $"api/streams/{Escape(name)}", null, cancellationToken);

    /// <summary>Deletes a stream and its events; 409 while a query reads it.</summary>
    public Task DeleteStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/streams/{Escape(name)}", null, cancellationToken);

    /// <summary>Appends events, each serialized as a JSON object, atomically in one request.</summary>
    public Task<AppendResult> AppendAsync<T>(string stream, IEnumerable<T> events, AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        AppendContentAsync(stream, JsonBody(events), options, cancellationToken);

    /// <summary>Appends one event, serialized as a JSON object.</summary>
    public Task<AppendResult> AppendAsync<T>(string stream, T @event, AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        AppendContentAsync(stream, JsonBody(@event), options, cancellationToken);

    /// <summary>Appends newline-delimited JSON as it is (one object per line), atomically in one request.</summary>
    public Task<AppendResult> AppendNdjsonAsync(string stream, ReadOnlyMemory<byte> ndjson, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        var content = new ReadOnlyMemoryContent(ndjson);
        content.Headers.ContentType = new MediaTypeHeaderValue(NdjsonMediaType);
        return AppendContentAsync(stream, content, options, cancellationToken);
    }

    private async Task<AppendResult> AppendContentAsync(string stream, HttpContent content, AppendOptions? options, CancellationToken cancellationToken)
    {
        var path = $"api/streams/{Escape(stream)}/events";
        if (options?.ExpectedOffset is { } expected)
        {
            path += $"?expectedOffset={expected.ToString(CultureInfo.InvariantCulture)}";
        }
        var headers = options?.IdempotencyKey is { } key ? new[] { KeyValuePair.Create("Idempotency-Key", key) } : null;
        using (content)
        using (var response = await SendRawAsync(HttpMethod.Post, path, content, cancellationToken, headers))
        {
            var result = await ReadAsync<AppendResult>(response, cancellationToken);
            var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values)
                && values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));
            return result with { Replayed = replayed };
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> events from offset <paramref name="from"/> on; 410 when it is no longer retained.</summary>
    public Task<EventPage> ReadAsync(string stream, long from = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        SendAsync<EventPage>(
            HttpMethod.Get,
            $"api/streams/{Escape(stream)}/events?from={from.ToString(CultureInfo.InvariantCulture)}&limit={limit.ToString(CultureInfo.InvariantCulture)}",
            null,
            cancellationToken);
}
