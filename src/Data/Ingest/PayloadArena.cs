namespace Sluice.Data.Ingest;

/// <summary>
/// Copies the payloads of one batch side by side into shared chunks, so a batch of a thousand events costs a
/// handful of arrays instead of a thousand. A memory stream keeps events for a while and evicts them in offset
/// order, so a batch's chunk lives about as long as its events would have; fewer, larger objects are what makes
/// promoting retained events through the GC generations cheap (docs/benchmarks-nexmark.md, end to end over HTTP).
/// A chunk is never larger than what the rest of the body can fill: a retained event pins its whole chunk,
/// so a small request must not leave a 32 kB chunk behind one small event.
/// </summary>
internal sealed class PayloadArena(int bodyLength)
{
    // Below the large object heap threshold (85,000 bytes), so chunks start in gen0 like the arrays they replace.
    private const int ChunkSize = 32 * 1024;

    private byte[] chunk = [];
    private int used;
    private long copiedTotal;

    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ChunkSize / 4)
        {
            return payload.ToArray();
        }
        if (chunk.Length - used < payload.Length)
        {
            // Payloads are at most as long as their text in the body (schema rewriting can add a little: then
            // the next chunk is sized to the payload alone).
            var remainingInBody = bodyLength - copiedTotal;
            chunk = new byte[(int)Math.Clamp(remainingInBody, payload.Length, ChunkSize)];
            used = 0;
        }
        copiedTotal += payload.Length;
        payload.CopyTo(chunk.AsSpan(used));
        var copied = new ReadOnlyMemory<byte>(chunk, used, payload.Length);
        used += payload.Length;
        return copied;
    }
}
