using System.Security.Cryptography;
using System.Text;

namespace Sluice.Cli.Posting;

/// <summary>
/// The <c>Idempotency-Key</c> of each batch of a post. Batch i's key hashes the stream name, the run label and the
/// content of batches 0..i (a hash chain), plus i. Posting the same input again gives the same keys, so a re-run after
/// a crash or a dropped connection appends only what the service had not acknowledged; another input, or the same
/// lines in another order, gives other keys. Chaining needs no pass over the input first, so it works for stdin too.
/// </summary>
internal sealed class BatchKeys
{
    private byte[] chain;

    public BatchKeys(string stream, string run) =>
        chain = SHA256.HashData(Encoding.UTF8.GetBytes($"sluice post\n{stream}\n{run}\n"));

    /// <summary>The key of the next batch: <c>sluice-</c>, 40 hex digits of the chain, <c>-</c>, the batch index.</summary>
    public string Next(int index, ReadOnlySpan<byte> body)
    {
        Span<byte> input = stackalloc byte[64];
        chain.CopyTo(input);
        SHA256.HashData(body, input[32..]);
        chain = SHA256.HashData(input);
        return $"sluice-{Convert.ToHexStringLower(chain, 0, 20)}-{index}";
    }
}
