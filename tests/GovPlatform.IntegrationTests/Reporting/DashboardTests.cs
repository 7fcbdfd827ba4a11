using System.Diagnostics;
using System.Text.RegularExpressions;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// The dashboard in a real browser: Debian's chromium, headless, against reporting running with the
/// scripted day's data. The DOM after the scripts ran is checked for the figures, and a screenshot is
/// kept as a test artifact.
/// </summary>
public sealed partial class DashboardTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;

    public static readonly string ArtifactsDirectory = Path.Combine(AppContext.BaseDirectory, "artifacts");

    /// <summary>Runs headless chromium with a fresh profile and returns its standard output.</summary>
    public static async Task<string> ChromiumAsync(params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("govplatform-chromium-");
        try
        {
            var start = new ProcessStartInfo("chromium")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var flag in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                         "--lang=zh-CN", $"--user-data-dir={profile.FullName}"])
                start.ArgumentList.Add(flag);
            foreach (var arg in args) start.ArgumentList.Add(arg);
            Process process;
            try { process = Process.Start(start)!; }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("The dashboard tests need Debian's chromium package: apt-get install -y chromium", e);
            }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(90));
                try { await process.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
                Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await stderr}");
                return await stdout;
            }
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private string DashboardUrl(TestCounty county, string page = "index.html") =>
        new Uri(_stack.Client("reporting").BaseAddress!,
            $"/dashboard/{page}?from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}#token={Tokens.For("leader")}").ToString();

    [GeneratedRegex(@"<div class=""card"" data-kpi=""(?<key>\w+)""[^>]*><div class=""label"">[^<]*</div><div class=""value"">(?<value>[^<]*)</div>")]
    private static partial Regex Card();

    [GeneratedRegex(@"<div class=""chart"" id=""(?<id>[\w-]+)"" data-values=""(?<values>[^""]*)""")]
    private static partial Regex ChartValues();

    [Fact]
    public async Task The_dashboard_renders_the_scripted_days_figures_in_headless_chromium()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var url = DashboardUrl(county);

        // The virtual-time budget lets the page's fetches and scripts finish before the DOM is dumped.
        var dom = await ChromiumAsync("--virtual-time-budget=20000", "--dump-dom", url);

        Assert.Contains("data-state=\"ready\"", dom);
        var cards = Card().Matches(dom).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
        Assert.Equal("6", cards["requests"]);
        Assert.Equal("80.0%", cards["responseRate"]);
        Assert.Equal("60.0%", cards["resolutionRate"]);
        Assert.Equal("66.7%", cards["satisfactionRate"]);
        Assert.Equal("86.7 分钟", cards["averageHandlingMinutes"]);
        Assert.Equal("154 分钟", cards["p90HandlingMinutes"]);
        Assert.Equal("4 小时", cards["volunteerHours"]);
        Assert.Equal("50.0%", cards["mediationSuccess"]);
        Assert.Equal("3", cards["serviceOrdersPlaced"]);
        Assert.Equal("33.3%", cards["serviceOrderCompletionRate"]);
        Assert.Equal("2 小时", cards["serviceOrderAverageCompletionHours"]);
        Assert.Equal("1", cards["communityNotified"]);
        Assert.Equal("50.0%", cards["redemptionPickupRate"]);

        var charts = ChartValues().Matches(dom).ToDictionary(m => m.Groups["id"].Value, m => System.Net.WebUtility.HtmlDecode(m.Groups["values"].Value));
        Assert.Equal("""{"热线":3,"数字门牌":1,"窗口来访":1,"微信群":1}""", charts["chart-channel"]);
        Assert.Equal("""{"下水道疏通":3,"neighbour_dispute":1,"noise":1,"property_service":1}""", charts["chart-category"]);
        // Clocks are named, not timed (each category sets its own), and judged against the first promise.
        Assert.Equal("""{"接单及时率":"75.0%","到场及时率":"50.0%","办结及时率":"66.7%","出方案及时率":"100.0%","方案按期办结率":"0.0%"}""", charts["chart-clocks"]);
        Assert.Contains("以首次承诺判定，升级或转派后重新计时不会把超时改为及时。", dom);
        // Satisfaction leaves out residents never reached and says how many answered; mediation shows what it received.
        Assert.Contains("接通作答 3 件，未接通不计", dom);
        Assert.Contains("受理 3 件 · 调结 2 件 · 成功 1 件", dom);
        Assert.Contains("<th>完成率（晒单÷派单）</th>", dom);
        Assert.Equal("""{"2026-03-02":6}""", charts["chart-trend"]);
        Assert.Equal("""{"锦园社区":{"placed":3,"dispatched":2,"taken":2,"completed":1}}""", charts["chart-service-orders"]);
        // ECharts drew them as SVG: the labels are text in the page.
        Assert.Contains(">热线: 3</text>", dom);
        Assert.Contains(">75%</text>", dom);
        Assert.Contains(">下水道疏通</text>", dom);

        // The heat table: grid 1 resolved 3 of its 4 own requests; the ranking says why nobody is ranked.
        Assert.Matches(@"<td[^>]*>第一网格</td><td>网格</td><td>4</td><td[^>]*>75\.0%</td><td[^>]*>75\.0%</td>", dom);
        Assert.Contains("样本少于10件的不参与排名", dom);
        Assert.Contains("<td class=\"grade-poor\">差</td>", dom);
        // R2's joint meeting held after two days, R3's still open; R3's three-party council held after one.
        Assert.Contains("<tr><td>联席会议</td><td>2</td><td>1</td><td>1</td><td>2 天</td></tr>", dom);
        Assert.Contains("<tr><td>三方联动议事</td><td>1</td><td>1</td><td>0</td><td>1 天</td></tr>", dom);
    }

    [Fact]
    public async Task The_monthly_bulletin_prints_the_same_figures_to_pdf()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var url = DashboardUrl(county, "bulletin.html");

        var dom = await ChromiumAsync("--virtual-time-budget=20000", "--dump-dom", url);
        Directory.CreateDirectory(ArtifactsDirectory);
        var pdf = Path.Combine(ArtifactsDirectory, "bulletin.pdf");
        File.Delete(pdf);
        await ChromiumAsync("--virtual-time-budget=20000", "--no-pdf-header-footer", $"--print-to-pdf={pdf}", url);

        Assert.Contains("data-state=\"ready\"", dom);
        Assert.Contains("民声总台2026年3月工作通报", dom);
        Assert.Contains("<b data-kpi=\"requests\">6</b>", dom);
        Assert.Contains("<b data-kpi=\"resolutionRate\">60.0%</b>", dom);
        Assert.Contains("<b data-kpi=\"serviceOrdersPlaced\">3</b>", dom);
        Assert.Contains("<b data-kpi=\"serviceOrderCompletionRate\">33.3%</b>", dom);
        Assert.Contains("<b data-kpi=\"communityNotified\">1</b>", dom);
        Assert.Contains("<td>绿城物业</td><td>1</td><td>60.0%</td><td>66.7%</td><td>差</td>", dom);
        Assert.Contains("<td>公安</td><td>1</td><td>0</td><td>0</td><td>1</td>", dom);
        Assert.Contains("<td>联席会议</td><td>2</td><td>1</td><td>1</td><td>2 天</td>", dom);
        Assert.Contains("满意率 <b data-kpi=\"satisfactionRate\">66.7%</b>（回访接通并作答 3 件，未接通的不计入）", dom);
        Assert.Contains("调解成功率（成功÷调结）<b data-kpi=\"mediationSuccess\">50.0%</b>", dom);
        Assert.Contains("完成率（晒单÷点单）<b data-kpi=\"serviceOrderCompletionRate\">33.3%</b>", dom);
        Assert.Contains("<dt>网格覆盖率</dt><dd>统计期内任一时刻有网格员或网格长在岗的网格", dom);
        var bytes = await File.ReadAllBytesAsync(pdf, TestContext.Current.CancellationToken);
        Assert.Equal("%PDF"u8.ToArray(), bytes[..4]);
        TestContext.Current.AddAttachment("bulletin.pdf", bytes, "application/pdf");
    }

    [Fact]
    public async Task A_screenshot_of_the_dashboard_is_kept_as_a_test_artifact()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        Directory.CreateDirectory(ArtifactsDirectory);
        var file = Path.Combine(ArtifactsDirectory, "dashboard.png");
        File.Delete(file);

        await ChromiumAsync("--virtual-time-budget=20000", "--window-size=1440,1900", $"--screenshot={file}", DashboardUrl(county));

        var png = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
        Assert.True(png.Length > 50_000, $"a {png.Length}-byte screenshot is too small to show the charts");
        TestContext.Current.AddAttachment("dashboard.png", png, "image/png");
    }
}
