using System.Buffers;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Sluice.Api.Streams;

/// <summary>
/// The 200 answer of an append, <see cref="AppendResponse"/> as JSON, written without the serializer: a single-event
/// POST is all per-request overhead, and <c>Ok&lt;AppendResponse&gt;</c> costs a type-info lookup, an asynchronous
/// serialization and a chunked body. Three numbers are formatted into a stack buffer instead and sent with a
/// <c>Content-Length</c>. Documented exactly as <c>Ok&lt;AppendResponse&gt;</c> is (200, application/json).
/// </summary>
public sealed class AppendedResult(AppendResponse value) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<AppendResponse>
{
    // The longest body: two 19-digit longs, a 10-digit int and the names (about 100 bytes).
    private const int MaxLength = 128;
    private static readonly string[] JsonContentTypes = ["application/json"];

    public AppendResponse Value { get; } = value;

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        Span<byte> body = stackalloc byte[MaxLength];
        var length = Format(Value, body);
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = length;
        // Written into the response pipe without a flush of its own: Kestrel sends headers and body together when the
        // request ends.
        response.BodyWriter.Write(body[..length]);
        return Task.CompletedTask;
    }

    /// <summary>The JSON of <paramref name="value"/>, camelCase as the rest of the API, into <paramref name="destination"/>; returns its length.</summary>
    internal static int Format(AppendResponse value, Span<byte> destination)
    {
        var length = 0;
        Append("{\"firstOffset\":"u8, destination, ref length);
        value.FirstOffset.TryFormat(destination[length..], out var written);
        length += written;
        Append(",\"lastOffset\":"u8, destination, ref length);
        value.LastOffset.TryFormat(destination[length..], out written);
        length += written;
        Append(",\"count\":"u8, destination, ref length);
        value.Count.TryFormat(destination[length..], out written);
        length += written;
        Append("}"u8, destination, ref length);
        return length;
    }

    private static void Append(ReadOnlySpan<byte> text, Span<byte> destination, ref int length)
    {
        text.CopyTo(destination[length..]);
        length += text.Length;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AppendResponse), JsonContentTypes));
}
