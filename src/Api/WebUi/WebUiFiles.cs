using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Sluice.Api.WebUi;

/// <summary>
/// Serves the browser UI (web/, copied to <c>wwwroot</c> next to the binary) whatever the working
/// directory: <c>dotnet run --project src/Api</c> makes the content root src/Api, which has no
/// wwwroot of its own, so the files are taken from the build output instead.
/// </summary>
internal static class WebUiFiles
{
    public static IServiceCollection AddWebUi(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<StaticFileOptions>, UseBuiltWebRoot<StaticFileOptions>>();
        services.AddSingleton<IConfigureOptions<DefaultFilesOptions>, UseBuiltWebRoot<DefaultFilesOptions>>();
        return services;
    }

    /// <summary>index.html at <c>/</c>, and the UI's scripts, styles and libraries.</summary>
    public static IApplicationBuilder UseWebUi(this IApplicationBuilder app) => app.UseDefaultFiles().UseStaticFiles();

    private sealed class UseBuiltWebRoot<TOptions>(IWebHostEnvironment environment) : IConfigureOptions<TOptions>
        where TOptions : Microsoft.AspNetCore.StaticFiles.Infrastructure.SharedOptionsBase
    {
        public void Configure(TOptions options)
        {
            if (options.FileProvider is not null || environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
            {
                return;
            }
            var built = Path.Combine(AppContext.BaseDirectory, "wwwroot");
            if (File.Exists(Path.Combine(built, "index.html")))
            {
                options.FileProvider = new PhysicalFileProvider(built);
            }
        }
    }
}
