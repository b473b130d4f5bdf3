namespace Sluice.Data.Ingest;

/// <summary>JSON's number grammar, for the byte paths that skip, check or read numbers without a JSON reader.</summary>
public static class JsonNumbers
{
    /// <summary>The length of the JSON number starting <paramref name="text"/> (<c>-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</c>); 0 when none starts it.</summary>
    public static int Length(ReadOnlySpan<byte> text)
    {
        var at = !text.IsEmpty && text[0] == '-' ? 1 : 0;
        var integral = Digits(text, at);
        if (integral == 0 || (text[at] == '0' && integral > 1))
        {
            return 0;
        }
        at += integral;
        if (at < text.Length && text[at] == '.')
        {
            var fraction = Digits(text, at + 1);
            if (fraction == 0)
            {
                return 0;
            }
            at += 1 + fraction;
        }
        if (at < text.Length && (text[at] | 0x20) == 'e')
        {
            at++;
            if (at < text.Length && text[at] is (byte)'+' or (byte)'-')
            {
                at++;
            }
            var exponent = Digits(text, at);
            if (exponent == 0)
            {
                return 0;
            }
            at += exponent;
        }
        return at;
    }

    /// <summary>
    /// The length of the JSON integer starting <paramref name="text"/> when a long holds it (no fraction or exponent
    /// follows here: the caller checks what comes next), and its <paramref name="value"/>; 0 otherwise.
    /// </summary>
    public static int IntegerLength(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == '-';
        var start = negative ? 1 : 0;
        var end = start;
        var magnitude = 0UL;
        while (end < text.Length && (uint)(text[end] - '0') <= 9)
        {
            // 19 digits fit a ulong; a 20th would leave a long's range anyway.
            if (end - start == 19)
            {
                return 0;
            }
            magnitude = magnitude * 10 + (ulong)(text[end] - '0');
            end++;
        }
        var digits = end - start;
        if (digits == 0 || (text[start] == '0' && digits > 1) || magnitude > (negative ? 1UL << 63 : long.MaxValue))
        {
            return 0;
        }
        value = negative ? (long)(0UL - magnitude) : (long)magnitude;
        return end;
    }

    private static int Digits(ReadOnlySpan<byte> text, int start)
    {
        var end = start;
        while (end < text.Length && (uint)(text[end] - '0') <= 9)
        {
            end++;
        }
        return end - start;
    }
}
