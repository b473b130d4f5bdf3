using System.Globalization;
using System.Text.Json;

namespace Sluice.Client;

public sealed partial class SluiceClient
{
    /// <summary>Registers a continuous query writing to an output stream of its name; it starts at once.</summary>
    public Task<QueryInfo> RegisterQueryAsync(string name, string sql, QueryStart? from = null, CancellationToken cancellationToken = default) =>
        SendAsync<QueryInfo>(HttpMethod.Post, "api/queries", JsonBody(new { name, sql, from = StartName(from) }), cancellationToken);

    /// <summary>Replaces a query's SQL (<c>PUT /api/queries/{name}</c>, SPEC §7): subscribers of its output receive <c>op: "reset"</c>, then the new rows.</summary>
    public Task<QueryInfo> ReplaceQueryAsync(string name, string sql, QueryStart? from = null, CancellationToken cancellationToken = default) =>
        SendAsync<QueryInfo>(HttpMethod.Put, $"api/queries/{Escape(name)}", JsonBody(new { sql, from = StartName(from) }), cancellationToken);

    /// <summary>Checks a query without registering it: output schema, inputs and plan, or a 400 with line and column.</summary>
    public Task<QueryValidation> ValidateQueryAsync(string sql, CancellationToken cancellationToken = default) =>
        SendAsync<QueryValidation>(HttpMethod.Post, "api/queries/validate", JsonBody(new { sql }), cancellationToken);

    /// <summary>Runs a query on the given events per input stream, in virtual time, storing nothing.</summary>
    public Task<QueryPreview> PreviewQueryAsync(string sql, IReadOnlyDictionary<string, IReadOnlyList<JsonElement>> events, CancellationToken cancellationToken = default) =>
        SendAsync<QueryPreview>(HttpMethod.Post, "api/queries/preview", JsonBody(new { sql, events }), cancellationToken);

    /// <summary>Lists queries with their state and metrics.</summary>
    public async Task<IReadOnlyList<QueryInfo>> ListQueriesAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<QueryInfo[]>(HttpMethod.Get, "api/queries", null, cancellationToken);

    /// <summary>Describes a query: state, error, schema, plan and metrics.</summary>
    public Task<QueryInfo> GetQueryAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<QueryInfo>(HttpMethod.Get, $"api/queries/{Escape(name)}", null, cancellationToken);

    /// <summary>Stops a query; its output stream and last metrics stay.</summary>
    public Task<QueryInfo> StopQueryAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<QueryInfo>(HttpMethod.Post, $"api/queries/{Escape(name)}/stop", null, cancellationToken);

    /// <summary>Starts a stopped or faulted query afresh.</summary>
    public Task<QueryInfo> StartQueryAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<QueryInfo>(HttpMethod.Post, $"api/queries/{Escape(name)}/start", null, cancellationToken);

    /// <summary>Stops and deletes a query and its output stream.</summary>
    public Task DeleteQueryAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"api/queries/{Escape(name)}", null, cancellationToken);

    /// <summary>The current result table of an updating query (one row per key); 400 for an append-only query.</summary>
    public Task<QueryResults> GetQueryResultsAsync(string name, int limit = 1000, CancellationToken cancellationToken = default) =>
        SendAsync<QueryResults>(HttpMethod.Get, $"api/queries/{Escape(name)}/results?limit={limit.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);

    private static string? StartName(QueryStart? from) => from switch
    {
        null => null,
        QueryStart.Latest => "latest",
        _ => "earliest",
    };
}
