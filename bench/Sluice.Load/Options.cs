namespace Sluice.Load;

/// <summary>Minimal <c>--key value</c> option parsing for the load commands.</summary>
internal sealed class Options(string[] args)
{
    public bool Has(string name) => args.Contains("--" + name);

    public string Get(string name, string fallback)
    {
        var index = Array.IndexOf(args, "--" + name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    public int GetInt(string name, int fallback) => int.Parse(Get(name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);
}
