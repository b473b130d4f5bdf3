using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>The service under test with its clock replaced, so time-based behaviour runs in virtual time.</summary>
public sealed class FakeClockApp(FakeTimeProvider clock, string? postgresConnectionString = null, IDictionary<string, string?>? settings = null)
    : SluiceApp(postgresConnectionString, settings)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(clock));
    }
}
