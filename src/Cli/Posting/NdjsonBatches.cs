using System.Runtime.CompilerServices;
using System.Text;

namespace Sluice.Cli.Posting;

/// <summary>A run of whole NDJSON lines to append in one request.</summary>
/// <param name="Index">0 for the first batch of the input, 1 for the next, …</param>
/// <param name="FirstLine">The input line number (1-based) of the batch's first line, to report a bad line where the user sees it.</param>
/// <param name="Events">Non-blank lines (the service skips blank ones).</param>
/// <param name="Body">The lines as UTF-8, each ending with a newline.</param>
/// <param name="InputBytes">Bytes of input the batch covers, for progress.</param>
internal sealed record NdjsonBatch(int Index, int FirstLine, int Events, byte[] Body, long InputBytes);

/// <summary>Cuts NDJSON input into batches of at most a number of events and a number of bytes, never inside a line.</summary>
internal static class NdjsonBatches
{
    /// <summary>Well under the service's default 16 MiB body limit, so one request never risks a 413.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    public static async IAsyncEnumerable<NdjsonBatch> ReadAsync(Stream input, int maxEvents, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var body = new MemoryStream();
        int index = 0, firstLine = 1, lineNumber = 0, events = 0;
        long inputBytes = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            var bytes = Encoding.UTF8.GetByteCount(line) + 1;
            if (events > 0 && (events >= maxEvents || body.Length + bytes > MaxBatchBytes) && !string.IsNullOrWhiteSpace(line))
            {
                yield return new NdjsonBatch(index++, firstLine, events, body.ToArray(), inputBytes);
                body.SetLength(0);
                (firstLine, events, inputBytes) = (lineNumber, 0, 0);
            }
            body.Write(Encoding.UTF8.GetBytes(line));
            body.WriteByte((byte)'\n');
            inputBytes += bytes;
            if (!string.IsNullOrWhiteSpace(line))
            {
                events++;
            }
        }
        if (events > 0)
        {
            yield return new NdjsonBatch(index, firstLine, events, body.ToArray(), inputBytes);
        }
    }
}
