using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HeadRecon.Notebooks;

/// <summary>
/// Static images of charts, drawn by plotly.js itself (<c>Plotly.toImage</c>) in a headless Chromium from the
/// distribution's packages, with the network switched off. Without a browser the charts simply carry no image: the
/// notebooks and reports still work, the interactive chart is unaffected.
/// </summary>
public static partial class ChartImages
{
    /// <summary>The headless browser used: $HEADRECON_CHROMIUM, else chromium / chromium-browser / google-chrome on the
    /// PATH; null when there is none or $HEADRECON_CHART_IMAGES is 0.</summary>
    public static string? Browser { get; } = FindBrowser();

    /// <summary>Image format of the data URLs: WebP keeps chart text sharp at a fraction of PNG's size.</summary>
    public const string Format = "webp";

    /// <summary>Longest a browser may take for one batch before its images are given up.</summary>
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>A data URL of the figure's static image, or null (no browser, or it failed).</summary>
    public static string? TryRender(JsonObject figure) => Render([figure])[0];

    /// <summary>
    /// Data URLs of the figures' static images, in one browser start; an entry is null where that figure could not be
    /// drawn. Sizes are the layout's width and height (1000 × 450 where a figure leaves them to its container).
    /// </summary>
    public static IReadOnlyList<string?> Render(IReadOnlyList<JsonObject> figures)
    {
        var result = new string?[figures.Count];
        if (Browser is null || figures.Count == 0) return result;
        string dir = Path.Combine(Path.GetTempPath(), "headrecon-charts-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            PlotlyJs.WriteInto(dir);
            string page = Path.Combine(dir, "charts.html");
            File.WriteAllText(page, Page(figures), Encoding.UTF8);
            string? dom = DumpDom(page);
            if (dom is null) return result;
            foreach (Match m in ImagePattern().Matches(dom))
            {
                int i = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (i < result.Length && m.Groups[2].Value.StartsWith("data:image/", StringComparison.Ordinal)) result[i] = m.Groups[2].Value;
            }
            return result;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static string Page(IReadOnlyList<JsonObject> figures)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><script src=\"").Append(PlotlyJs.FileName).Append("\"></script></head><body><script>var figs=[");
        for (int i = 0; i < figures.Count; i++) sb.Append(i == 0 ? "" : ",").Append(figures[i].ToJsonString());
        sb.Append("];(async function(){for(var i=0;i<figs.length;i++){var d=document.createElement('div');document.body.appendChild(d);" +
                  "var out=document.createElement('pre');out.id='img'+i;" +
                  "try{var L=figs[i].layout||{},w=L.width||1000,h=L.height||450;L.width=w;L.height=h;" +
                  // A figure plotly cannot draw may never settle: it gets no image, the others still do.
                  "out.textContent=await Promise.race([Plotly.newPlot(d,figs[i].data,L,{staticPlot:true})" +
                  $".then(function(){{return Plotly.toImage(d,{{format:'{Format}',width:w,height:h}});}}),new Promise(function(_,no){{setTimeout(function(){{no('timeout');}},30000);}})]);}}" +
                  "catch(e){out.textContent='error '+e;}" +
                  "document.body.appendChild(out);Plotly.purge(d);d.remove();}" +
                  "document.title='done';})();</script></body></html>");
        return sb.ToString();
    }

    /// <summary>
    /// The page's DOM after its scripts ran (the browser's virtual time lets pending work finish), with the network
    /// off; null when there is no browser or it timed out.
    /// </summary>
    public static string? DumpDom(string page)
    {
        if (Browser is null) return null;
        string profile = Path.Combine(Path.GetTempPath(), "headrecon-browser-" + Guid.NewGuid().ToString("N"));
        try { return RunBrowser(profile, page); }
        finally { try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }

    static string? RunBrowser(string profile, string page)
    {
        var psi = new ProcessStartInfo(Browser!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // No sandbox: it refuses to start as root (containers, CI); the page is a local file with the network off.
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--hide-scrollbars", "--mute-audio",
                     "--no-first-run", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", $"--user-data-dir={profile}",
                     "--virtual-time-budget=600000", "--dump-dom", new Uri(page).AbsoluteUri,
                 })
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(Timeout))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return null;
            }
            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    static string? FindBrowser()
    {
        if (Environment.GetEnvironmentVariable("HEADRECON_CHART_IMAGES") == "0") return null;
        if (Environment.GetEnvironmentVariable("HEADRECON_CHROMIUM") is { Length: > 0 } explicitPath) return File.Exists(explicitPath) ? explicitPath : null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (var d in dirs)
                if (File.Exists(Path.Combine(d, name))) return Path.Combine(d, name);
        return null;
    }

    [GeneratedRegex(@"<pre id=""img(\d+)"">([^<]*)</pre>")]
    private static partial Regex ImagePattern();
}
