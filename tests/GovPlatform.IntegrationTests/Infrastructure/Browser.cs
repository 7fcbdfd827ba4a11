using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// One headless Debian chromium for the assembly's browser tests, driven by Playwright. Browsers
/// cannot be downloaded here, so Playwright is pointed at /usr/bin/chromium (scripts/infra.sh
/// installs it with GOV_TEST_TOOLS=1; GOV_CHROMIUM overrides the path).
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>A phone held upright (the grid worker's and the resident's screens).</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    /// <summary>A desk operator's or dispatcher's monitor.</summary>
    public static readonly ViewportSize Desktop = new() { Width = 1440, Height = 900 };

    /// <summary>Where screenshots for the docs are written (docs/images in the repository).</summary>
    public static string DocsImages => Path.Combine(RepositoryRoot(), "docs", "images");

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("GOV_CHROMIUM") is { Length: > 0 } p ? p : Chromium;
        if (!File.Exists(path))
            throw new InvalidOperationException($"The browser tests need Debian's chromium at {path}: apt-get install -y chromium (./test.sh installs it).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"],
        });
    }

    /// <summary>
    /// A fresh context (its own cookies and storage, so two people can be signed in at once) and a
    /// page in it, zh-CN and Asia/Shanghai like the people who use the platform.
    /// </summary>
    public async Task<IPage> NewPageAsync(ViewportSize viewport, bool isMobile = false)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = viewport,
            IsMobile = isMobile,
            HasTouch = isMobile,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot into docs/images under the given file name.</summary>
    public static Task ScreenshotForDocsAsync(IPage page, string fileName) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DocsImages, fileName), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"GovPlatform.sln not found above {AppContext.BaseDirectory}");
    }
}
