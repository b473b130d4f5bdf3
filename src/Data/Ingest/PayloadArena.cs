namespace Sluice.Data.Ingest;

/// <summary>
/// Copies the payloads of one batch side by side into shared chunks, so a batch of a thousand events costs a
/// handful of arrays instead of a thousand. A memory stream keeps events for a while and evicts them in offset
/// order, so a batch's chunk lives about as long as its events would have; fewer, larger objects are what makes
/// promoting retained events through the GC generations cheap (docs/benchmarks-nexmark.md, end to end over HTTP).
/// A chunk is never larger than what the rest of the body can fill: a retained event pins its whole chunk,
/// so a small request must not leave a 32 kB chunk behind one small event.
/// <para>
/// A pooled arena (for a log that copies what it appends, a memory stream) rents its chunks and gives them back once the
/// append has copied them (<see cref="Return"/>): the chunks were a seventh of the bytes the service allocated per event
/// end to end, each zeroed on allocation and dead right after the append (docs/benchmarks.md). It also copies nothing
/// that is stored as sent (<see cref="Keep"/>): such a payload stays where it is in the request's body, which the caller
/// keeps until the append has copied it, so the bytes go from the body to the stream's slabs in one copy.
/// </para>
/// </summary>
internal sealed class PayloadArena(int bodyLength, bool pooled = false)
{
    // Below the large object heap threshold (85,000 bytes), so chunks start in gen0 like the arrays they replace.
    private const int ChunkSize = 32 * 1024;

    private byte[] chunk = [];
    private int used;
    private long copiedTotal;
    private List<byte[]>? rented;

    /// <summary>
    /// A payload stored exactly as it is in the body: a pooled arena hands back <paramref name="payload"/> itself (the
    /// caller keeps the body until the append has copied it); otherwise a copy, as <see cref="Copy"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Keep(ReadOnlyMemory<byte> payload) => pooled ? payload : Copy(payload.Span);

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
            var size = (int)Math.Clamp(remainingInBody, payload.Length, ChunkSize);
            if (pooled)
            {
                chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
                (rented ??= []).Add(chunk);
            }
            else
            {
                chunk = new byte[size];
            }
            used = 0;
        }
        copiedTotal += payload.Length;
        payload.CopyTo(chunk.AsSpan(used));
        var copied = new ReadOnlyMemory<byte>(chunk, used, payload.Length);
        used += payload.Length;
        return copied;
    }

    /// <summary>Gives a pooled arena's chunks back: no payload copied into them may be read afterwards.</summary>
    public void Return()
    {
        if (rented is null)
        {
            return;
        }
        foreach (var rentedChunk in rented)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rentedChunk);
        }
        rented = null;
        chunk = [];
        used = 0;
    }
}
