using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Sluice.Data.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without the web host.
/// The connection string is never opened for that; set SLUICE_EF_CONNECTION to run <c>database update</c> by hand.
/// </summary>
internal sealed class SluiceDbContextDesignFactory : IDesignTimeDbContextFactory<SluiceDbContext>
{
    public SluiceDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("SLUICE_EF_CONNECTION") ?? "Host=127.0.0.1;Database=sluice;Username=postgres";
        return new SluiceDbContext(new DbContextOptionsBuilder<SluiceDbContext>().UseNpgsql(connectionString).Options);
    }
}
