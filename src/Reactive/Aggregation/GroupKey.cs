namespace Sluice.Reactive.Aggregation;

/// <summary>
/// A composite grouping or join key: up to three values inline (no allocation per lookup), more in an array.
/// NULLs are equal to each other here (GROUP BY semantics); joins skip NULL keys before building one.
/// </summary>
internal readonly struct GroupKey : IEquatable<GroupKey>
{
    private readonly object? a;
    private readonly object? b;
    private readonly object? c;
    private readonly object?[]? more;
    private readonly int hash;
    private readonly int count;

    private GroupKey(int count, object? a, object? b, object? c, object?[]? more)
    {
        this.count = count;
        this.a = a;
        this.b = b;
        this.c = c;
        this.more = more;
        var h = HashCode.Combine(count, a, b, c);
        if (more is not null)
        {
            foreach (var x in more) h = HashCode.Combine(h, x);
        }
        hash = h;
    }

    public int Count => count;

    public object? this[int index] => index switch
    {
        0 => a,
        1 => b,
        2 => c,
        _ => more![index - 3],
    };

    public static GroupKey Of(Func<object?[], object?>[] keys, object?[] row) => keys.Length switch
    {
        0 => default,
        1 => new GroupKey(1, keys[0](row), null, null, null),
        2 => new GroupKey(2, keys[0](row), keys[1](row), null, null),
        3 => new GroupKey(3, keys[0](row), keys[1](row), keys[2](row), null),
        _ => OfMany(keys, row),
    };

    // Apart from Of: a lambda capturing 'row' there would allocate its closure on every call, for every key size.
    private static GroupKey OfMany(Func<object?[], object?>[] keys, object?[] row)
    {
        var more = new object?[keys.Length - 3];
        for (var i = 0; i < more.Length; i++) more[i] = keys[i + 3](row);
        return new GroupKey(keys.Length, keys[0](row), keys[1](row), keys[2](row), more);
    }

    /// <summary>A key made of a whole row's values (DISTINCT).</summary>
    public static GroupKey OfRow(object?[] row) => row.Length switch
    {
        0 => default,
        1 => new GroupKey(1, row[0], null, null, null),
        2 => new GroupKey(2, row[0], row[1], null, null),
        3 => new GroupKey(3, row[0], row[1], row[2], null),
        _ => new GroupKey(row.Length, row[0], row[1], row[2], row[3..]),
    };

    /// <summary>
    /// A key of <paramref name="count"/> values given one by one, as <see cref="Of"/> builds it: <paramref name="more"/>
    /// holds the values past the third, and is null for up to three.
    /// </summary>
    public static GroupKey FromParts(int count, object? a, object? b, object? c, object?[]? more) =>
        count == 0 ? default : new GroupKey(count, a, b, c, more);

    public bool HasNull
    {
        get
        {
            for (var i = 0; i < count; i++)
            {
                if (this[i] is null) return true;
            }
            return false;
        }
    }

    public bool Equals(GroupKey other)
    {
        // The hash comparison only saves comparing values: unequal keys differ in a value or the count anyway.
        if (hash != other.hash || count != other.count) return false;
        if (!Equals(a, other.a) || !Equals(b, other.b) || !Equals(c, other.c)) return false;
        if (more is null) return true;
        for (var i = 0; i < more.Length; i++)
        {
            if (!Equals(more[i], other.more![i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is GroupKey other && Equals(other);

    public override int GetHashCode() => hash;

    public static bool operator ==(GroupKey left, GroupKey right) => left.Equals(right);

    public static bool operator !=(GroupKey left, GroupKey right) => !left.Equals(right);
}
