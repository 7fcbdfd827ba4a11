using GovPlatform.Intake.Notifications;

namespace GovPlatform.Intake.Residents;

/// <summary>Wiring of the residents' pages, doorplates, notices and progress texts (whose route tables, templates included, Program maps from Apis/).</summary>
public static class ResidentsSetup
{
    /// <summary>The services whose public reads the residents' board forwards, by their service-discovery names.</summary>
    public const string DispatchClient = "dispatch";
    public const string VolunteerClient = "volunteer";

    public static void AddResidents(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Residents").Get<ResidentOptions>() ?? new ResidentOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new TestMailbox(sp.GetRequiredService<TimeProvider>())
        {
            Enabled = options.TestMailbox ?? MailboxEnvironment(builder.Environment),
        });
        builder.Services.AddSingleton<ITextSender, LogTextSender>();
        builder.Services.AddSingleton<ResidentSessions>();
        // The notifier LISTENs on a connection of its data source, which must therefore be the one that resets its
        // connections' sessions (SessionDatabase); its claims are a few a second at most, so the reset costs little.
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ProgressNotifier>(sp,
            sp.GetRequiredService<GovPlatform.ServiceDefaults.Data.SessionDatabase>().Source));
        // The public board's reads owned by other services, found by service discovery (services__dispatch__http__0 …).
        foreach (var service in new[] { DispatchClient, VolunteerClient })
            builder.Services.AddHttpClient(service, c => c.BaseAddress = new Uri($"http://{service}"));
    }

    private static bool MailboxEnvironment(IHostEnvironment env) => env.IsDevelopment() || env.IsEnvironment("Testing");

    /// <summary>
    /// The pages under /r are plain HTML with a little JavaScript, served from wwwroot: a resident on a cheap phone
    /// and a slow network loads a few kilobytes, with nothing to download, start or hydrate first.
    /// </summary>
    /// <remarks>Their route tables are in Apis/Residents, mapped by Program.</remarks>
    public static void UseResidentPages(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
    }
}
