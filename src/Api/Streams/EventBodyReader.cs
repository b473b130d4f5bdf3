using System.Buffers;
using System.IO.Pipelines;

namespace Sluice.Api.Streams;

/// <summary>Reads a whole request body into a pooled buffer, refusing bodies over the configured limit.</summary>
internal static class EventBodyReader
{
    /// <summary>The body as one contiguous block, or null when it is larger than <paramref name="limit"/>.
    /// Return the buffer with <see cref="ArrayPool{T}.Return"/> once parsed. A value task: a small body has usually
    /// arrived with its headers, and then the read completes at once without a task object.</summary>
    public static async ValueTask<(byte[]? Buffer, int Length)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, 0);
        }
        var reader = request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 64 * 1024, limit) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                foreach (var segment in result.Buffer)
                {
                    if (length + (long)segment.Length > limit)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, 0);
                    }
                    if (length + segment.Length > buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(buffer.Length * 2L, length + segment.Length), limit + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    segment.Span.CopyTo(buffer.AsSpan(length));
                    length += segment.Length;
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return (buffer, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
