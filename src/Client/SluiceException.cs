using System.Net;
using System.Text.Json;

namespace Sluice.Client;

/// <summary>
/// The service answered with an error: its RFC 9457 problem details (status, title, detail and the extensions
/// that say where, such as <c>line</c>, <c>column</c>, <c>field</c>, <c>item</c> or <c>firstRetainedOffset</c>).
/// </summary>
public sealed class SluiceException : Exception
{
    /// <summary>An error answer of the service, from its problem details.</summary>
    public SluiceException(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, JsonElement>? extensions = null, TimeSpan? retryAfter = null)
        : base(Describe(status, title, detail, extensions))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Extensions = extensions ?? new Dictionary<string, JsonElement>();
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's title (a short summary of the kind of error).</summary>
    public string? Title { get; }

    /// <summary>What was wrong, in this instance.</summary>
    public string? Detail { get; }

    /// <summary>The problem's other members, e.g. <c>line</c> and <c>column</c> of a query error, or <c>errors</c> of a validation problem.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; }

    /// <summary>The <c>Retry-After</c> the service sent with a 429 or 503, if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Per field, the messages of a validation problem (<c>errors</c>); empty for other problems.</summary>
    public IReadOnlyDictionary<string, string[]> Errors =>
        Extensions.TryGetValue("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(m => m.ToString()).ToArray() : [p.Value.ToString()])
            : new Dictionary<string, string[]>();

    /// <summary>An extension read as a number (e.g. <c>line</c>, <c>column</c>, <c>currentOffset</c>); null when absent or not a number.</summary>
    public long? GetInt64(string name) =>
        Extensions.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static string Describe(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, JsonElement>? extensions)
    {
        var text = $"{(int)status} {title ?? status.ToString()}";
        if (!string.IsNullOrEmpty(detail))
        {
            // "400 The query is invalid. Syntax error at …", but "404 Not Found: There is no stream …".
            text += (text.EndsWith('.') ? " " : ": ") + detail;
        }
        if (extensions is not null && extensions.TryGetValue("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var messages = field.Value.ValueKind == JsonValueKind.Array ? string.Join(" ", field.Value.EnumerateArray()) : field.Value.ToString();
                text += $" {field.Name}: {messages}";
            }
        }
        return text;
    }
}
