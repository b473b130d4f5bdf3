using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Client;

/// <summary>
/// A typed client for a Sluice service: streams, appends, reads and queries over HTTP (SPEC §3), and live
/// subscriptions over SignalR (SPEC §5) that resume by themselves. Thread-safe; one instance per service is enough.
/// </summary>
public sealed partial class SluiceClient : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly HttpClient http;
    private readonly bool ownsHttp;

    /// <summary>A client of the service at <paramref name="baseAddress"/>, with an optional bearer token.</summary>
    public SluiceClient(Uri baseAddress, string? token = null)
        : this(new SluiceClientOptions { BaseAddress = baseAddress, Token = token })
    {
    }

    /// <summary>A client with its own <see cref="HttpClient"/>.</summary>
    public SluiceClient(SluiceClientOptions options)
        : this(new HttpClient(), options, ownsHttp: true)
    {
    }

    /// <summary>A client over the given <see cref="HttpClient"/> (which it does not dispose), e.g. one from <c>IHttpClientFactory</c>.</summary>
    public SluiceClient(HttpClient http, SluiceClientOptions? options = null)
        : this(http, options ?? new SluiceClientOptions(), ownsHttp: false)
    {
    }

    private SluiceClient(HttpClient http, SluiceClientOptions options, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var baseAddress = options.BaseAddress ?? http.BaseAddress
            ?? throw new ArgumentException("Give the service's address: SluiceClientOptions.BaseAddress or HttpClient.BaseAddress.", nameof(options));
        // Relative paths below resolve under the base address only when it ends with a slash.
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        Options = options;
        this.http = http;
        this.ownsHttp = ownsHttp;
    }

    /// <summary>The service's address (ending with a slash).</summary>
    public Uri BaseAddress { get; }

    internal SluiceClientOptions Options { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    internal static string Escape(string name) => Uri.EscapeDataString(name);

    internal async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken, headers);
        return await ReadAsync<T>(response, cancellationToken);
    }

    internal async Task SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken);
    }

    /// <summary>Sends a request and returns its successful answer; throws <see cref="SluiceException"/> for an error answer.</summary>
    internal async Task<HttpResponseMessage> SendRawAsync(
        HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (Options.Token is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw await ProblemAsync(response, cancellationToken);
        }
    }

    internal static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
        ?? throw new SluiceException(response.StatusCode, "Empty answer", $"The service answered {(int)response.StatusCode} with no body.");

    /// <summary>Turns an error answer into an exception carrying its problem details (or its text, if it has none).</summary>
    private static async Task<SluiceException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json" && body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    string? title = null, detail = null;
                    var extensions = new Dictionary<string, JsonElement>();
                    foreach (var member in document.RootElement.EnumerateObject())
                    {
                        switch (member.Name)
                        {
                            case "title":
                                title = member.Value.GetString();
                                break;
                            case "detail":
                                detail = member.Value.GetString();
                                break;
                            case "status":
                                break;
                            default:
                                extensions[member.Name] = member.Value.Clone();
                                break;
                        }
                    }
                    return new SluiceException(response.StatusCode, title, detail, extensions, retryAfter);
                }
            }
            catch (JsonException)
            {
                // Not the problem details it claims to be: report the text as it came.
            }
        }
        var text = body.Length > 500 ? body[..500] + "…" : body;
        return new SluiceException(response.StatusCode, response.ReasonPhrase, text.Length > 0 ? text : null, retryAfter: retryAfter);
    }

    internal static JsonContent JsonBody<T>(T value) => JsonContent.Create(value, options: Json);
}
