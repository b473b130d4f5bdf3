using Xunit.Abstractions;

// One service and one Chromium at a time: the secured service's collection would otherwise start beside the other's,
// and two services starting with two browsers on a busy machine miss their start-up timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Sluice.Browser.Tests;

/// <summary>The web UI against a service that needs credentials: signing in with a key, and hiding what the key may not do.</summary>
[Collection(nameof(SecuredServiceCollection))]
public sealed class SignInScenarios(SecuredServiceProcess service, ITestOutputHelper output)
{
    [Fact]
    public async Task Signing_in_with_a_read_only_key_hides_Delete_and_the_forms_and_an_admin_key_shows_them()
    {
        var (exitCode, text) = await NodeScript.RunAsync("sign-in.mjs", service.BaseUrl, TimeSpan.FromMinutes(3));
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"sign-in.mjs exited with {exitCode}:\n{text}\n--- service log ---\n{service.Log}");
    }
}

/// <summary>The service with two API keys (the secrets are also in tests/browser/sign-in.mjs).</summary>
public sealed class SecuredServiceProcess : ServiceProcess
{
    protected override void Configure(IDictionary<string, string> environment)
    {
        environment["Auth__Keys__ops__Secret"] = "browser-admin-secret-0123456789";
        environment["Auth__Keys__ops__Scopes"] = "admin";
        environment["Auth__Keys__viewer__Secret"] = "browser-viewer-secret-0123456789";
        environment["Auth__Keys__viewer__Scopes"] = "read:*";
    }
}

[CollectionDefinition(nameof(SecuredServiceCollection))]
public sealed class SecuredServiceCollection : ICollectionFixture<SecuredServiceProcess>;
