using Microsoft.Extensions.Options;

namespace Sluice.Api.Limits;

/// <summary>Hub connections held per credential, within <c>Limits:Connections</c>.</summary>
public sealed class ConnectionLimits(IOptions<LimitsOptions> options)
{
    private readonly Dictionary<string, int> held = new(StringComparer.Ordinal);

    /// <summary>0 = unlimited.</summary>
    public int Limit { get; } = Math.Max(0, options.Value.Connections);

    /// <summary>Counts a new connection of <paramref name="credential"/>; false (and not counted) when it already holds the limit.</summary>
    public bool TryEnter(string credential)
    {
        lock (held)
        {
            var count = held.GetValueOrDefault(credential);
            if (Limit > 0 && count >= Limit)
            {
                return false;
            }
            held[credential] = count + 1;
            return true;
        }
    }

    public void Leave(string credential)
    {
        lock (held)
        {
            if (held.TryGetValue(credential, out var count))
            {
                if (count <= 1)
                {
                    held.Remove(credential);
                }
                else
                {
                    held[credential] = count - 1;
                }
            }
        }
    }

    /// <summary>The connections <paramref name="credential"/> holds now.</summary>
    public int Held(string credential)
    {
        lock (held)
        {
            return held.GetValueOrDefault(credential);
        }
    }

    /// <summary>The most connections any one credential holds now.</summary>
    public int Busiest()
    {
        lock (held)
        {
            return held.Count == 0 ? 0 : held.Values.Max();
        }
    }
}
