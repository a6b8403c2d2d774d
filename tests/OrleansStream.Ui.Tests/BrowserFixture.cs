using Microsoft.Playwright;

namespace OrleansStream.Ui.Tests;

/// <summary>
/// Debian's Chromium (ORLEANSSTREAM_TEST_CHROMIUM, default /usr/bin/chromium), headless, driven by Playwright's driver from
/// its NuGet package; test.sh installs the chromium package when it is missing. A missing browser fails the tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "ORLEANSSTREAM_TEST_CHROMIUM";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the tests keep their screenshots: artifacts/ui beside the test assembly.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "ui")).FullName;

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(chromium))
            throw new InvalidOperationException($"No Chromium at {chromium}: install Debian's chromium package (./test.sh does) or set {EnvironmentVariable}.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Timeout = 60_000 });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A new page of the given size whose script errors are collected in <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageAsync(List<string> errors)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(30_000);
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        return page;
    }
}
