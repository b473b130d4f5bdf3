namespace Sluice.Nexmark;

/// <summary>Deterministic Nexmark event generator (filled in by the Nexmark work).</summary>
public static class NexmarkGenerator
{
}
