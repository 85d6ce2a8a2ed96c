using System.Text.Json.Nodes;
using HeadRecon.Notebooks;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

/// <summary>The committed notebooks as a researcher opens them, with no network and possibly no script.</summary>
public sealed class CommittedNotebookTests
{
    /// <summary>The committed notebooks together stay at most this large (issue 14's budget).</summary>
    public const long MaxCommittedBytes = 8_000_000;

    public static string NotebookDir() => Path.Combine(NotebookTests.RepoRoot(), "notebooks");

    /// <summary>Every chart output of a notebook: its HTML fragment.</summary>
    public static IEnumerable<string> ChartOutputs(string ipynb) => HtmlOutputs(ipynb).Where(h => ChartHtml.FromPlotlyNetHtml(h) is not null);

    public static IEnumerable<string> HtmlOutputs(string ipynb)
    {
        var nb = JsonNode.Parse(File.ReadAllText(ipynb))!;
        foreach (var cell in nb["cells"]!.AsArray())
            foreach (var output in cell!["outputs"]?.AsArray() ?? [])
                if (output!["data"]?["text/html"] is JsonNode html)
                    yield return NotebookCharts.Text(html);
    }

    [Fact]
    public void NoChartLoadsAnythingFromTheNetworkAndEachCarriesAStaticImage()
    {
        var notebooks = Directory.GetFiles(NotebookDir(), "*.ipynb").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(notebooks);
        int charts = 0;
        foreach (var nb in notebooks)
        {
            string text = File.ReadAllText(nb);
            foreach (var cdn in new[] { "cdn.plot.ly", "cdn.jsdelivr", "unpkg.com", "cdnjs" })
                Assert.False(text.Contains(cdn, StringComparison.Ordinal), $"{Path.GetFileName(nb)} references {cdn}");
            foreach (var html in ChartOutputs(nb))
            {
                charts++;
                string title = ChartHtml.FromPlotlyNetHtml(html)!["layout"]?["title"]?["text"]?.ToString() ?? "(untitled)";
                Assert.False(html.Contains("src=\"http", StringComparison.Ordinal), $"{Path.GetFileName(nb)}: chart '{title}' loads a script from the network");
                string? image = ChartHtml.StaticImage(html);
                Assert.True(image is not null, $"{Path.GetFileName(nb)}: chart '{title}' has no static image (headrecon notebooks offline {Path.GetFileName(nb)})");
                using var img = Image.Load<Rgb24>(Convert.FromBase64String(image![(image.IndexOf(',') + 1)..]));
                Assert.True(img.Width >= 200 && img.Height >= 150, $"{Path.GetFileName(nb)}: chart '{title}' image is {img.Width}×{img.Height}");
                Assert.True(Distinct(img) > 8, $"{Path.GetFileName(nb)}: chart '{title}' image is blank");
            }
        }
        Assert.True(charts > 0, "no chart outputs in the committed notebooks");
        // The charts reference this one copy of plotly.js, Plotly.NET's own.
        var js = Path.Combine(NotebookDir(), PlotlyJs.FileName);
        Assert.True(File.Exists(js), $"{js} missing");
        Assert.Equal(PlotlyJs.Bytes(), File.ReadAllBytes(js));
    }

    [Fact]
    public void CommittedNotebooksStayUnderTheSizeBudget()
    {
        long total = Directory.GetFiles(NotebookDir(), "*.ipynb").Sum(f => new FileInfo(f).Length);
        Assert.True(total <= MaxCommittedBytes, $"committed notebooks are {total / 1e6:F2} MB (budget {MaxCommittedBytes / 1e6:F0} MB)");
    }

    static int Distinct(Image<Rgb24> img)
    {
        var seen = new HashSet<Rgb24>();
        for (int y = 0; y < img.Height; y += 7)
            for (int x = 0; x < img.Width; x += 7)
                if (seen.Add(img[x, y]) && seen.Count > 64) return seen.Count;
        return seen.Count;
    }
}
