using System.Security.Cryptography;

namespace Sluice.Data.Streams;

/// <summary>The rules for <c>Idempotency-Key</c> values and how long they are remembered.</summary>
public static class IdempotencyKeys
{
    public const int MaxLength = 128;

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    /// <summary>
    /// 1 to 128 printable ASCII characters (space through '~'), as HTTP header values allow without encoding;
    /// no space at either end, since proxies may trim it (and a retry would then carry another key).
    /// </summary>
    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxLength || key[0] == ' ' || key[^1] == ' ')
        {
            return false;
        }
        foreach (var c in key)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The digest two requests with one key are compared by: the body and its format, so the same bytes sent
    /// as JSON and as NDJSON count as different requests.
    /// </summary>
    public static byte[] HashRequest(byte format, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([format]);
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }
}

/// <summary>How long appends' idempotency keys are kept (<c>Streams:IdempotencyWindow</c>).</summary>
public sealed class IdempotencyOptions
{
    public TimeSpan Window { get; init; } = IdempotencyKeys.DefaultWindow;
}
