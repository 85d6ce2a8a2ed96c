using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HeadRecon.Notebooks;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

/// <summary>
/// Charts in a real headless Chromium with the network off (Category=Browser: .ci/run installs the distribution's
/// chromium and runs these; a plain dotnet test leaves them out).
/// </summary>
[Trait("Category", "Browser")]
public sealed class OfflineBrowserTests
{
    static void RequireBrowser() =>
        Assert.True(ChartImages.Browser is not null, "no headless Chromium: apt-get install chromium (or set HEADRECON_CHROMIUM)");

    [Fact]
    public void StaticImagesAreDrawnByPlotlyAtTheLayoutSize()
    {
        RequireBrowser();
        var lines = JsonNode.Parse("""{"data":[{"type":"scatter","x":[0,1,2],"y":[1,0,1]}],"layout":{"width":420,"height":300}}""")!.AsObject();
        var z = Enumerable.Range(0, 40).SelectMany(r => Enumerable.Range(0, 40).Select(c => (float)(r - c))).ToArray();
        var heat = ChartHtml.Figure(Plots.HeatmapGrid("heat", [("p", z, 40, -1.0, 1.0, ("x", "y"))], 1, "RdBu", -40, 40, zeroContour: true));

        var images = ChartImages.Render([lines, heat]);

        Assert.All(images, i => Assert.StartsWith($"data:image/{ChartImages.Format};base64,", i));
        using var img = Decode(images[0]!);
        Assert.Equal((420, 300), (img.Width, img.Height));
        // RdBu over r - c: both ends of the scale are on the picture.
        using var h = Decode(images[1]!);
        bool red = false, blue = false;
        for (int y = 0; y < h.Height; y += 3)
            for (int x = 0; x < h.Width; x += 3)
            {
                var p = h[x, y];
                red |= p.R > 150 && p.B < 90;
                blue |= p.B > 150 && p.R < 90;
            }
        Assert.True(red && blue, $"heat map image lacks {(red ? "blue" : "red")}");
    }

    [Fact]
    public void AFigurePlotlyCannotDrawGetsNoImageAndTheOthersStillDo()
    {
        RequireBrowser();
        var good = JsonNode.Parse("""{"data":[{"type":"scatter","x":[0,1],"y":[1,0]}],"layout":{"width":300,"height":200}}""")!.AsObject();
        // plotly.js never settles on a mesh3d with an empty vertexcolor array.
        var stuck = JsonNode.Parse("""
            {"data":[{"type":"mesh3d","x":[],"y":[],"z":[],"i":[],"j":[],"k":[],"name":"101","opacity":1.0,"scene":"scene","showlegend":true,
              "flatshading":false,"lighting":{"ambient":0.5,"diffuse":0.8,"specular":0.2},"vertexcolor":[]}],"layout":{}}
            """)!.AsObject();

        var images = ChartImages.Render([good, stuck, good.DeepClone().AsObject()]);

        Assert.NotNull(images[0]);
        Assert.Null(images[1]);
        Assert.NotNull(images[2]);
    }

    [Fact]
    public void MeshPanelsTurnTogether()
    {
        RequireBrowser();
        var sphere = TestMeshes.Sphere(8, 0.5);
        string chart = Plots.ToHtml(Plots.MeshGrid("two", [("a", sphere, null, null), ("b", sphere, null, null)]), staticImage: false);
        // Turn the first panel's camera as a drag would; the second must follow.
        const string Probe = """
            <div id="result"></div><script>
            (function poll(){var gd=document.querySelector('.js-plotly-plot');
              if(!gd||!gd._fullLayout||!gd._fullLayout.scene2||!window.Plotly){setTimeout(poll,50);return;}
              Plotly.relayout(gd,{'scene.camera':{eye:{x:2.5,y:0.1,z:0.2},up:{x:0,y:1,z:0},center:{x:0,y:0,z:0}}}).then(function(){
                setTimeout(function(){document.getElementById('result').textContent='eye2='+gd.layout.scene2.camera.eye.x;},200);});})();
            </script>
            """;
        Assert.Contains("eye2=2.5", DomWithProbe(chart, Probe));
    }

    [Fact]
    public void SliderStepsSwapTheHeatMapInTheBrowser()
    {
        RequireBrowser();
        const int N = 8;
        // Frame k is the constant k: after the slider moves to step 2, the drawn heat map must hold 2s.
        var frames = Enumerable.Range(0, 3).Select(k => ($"k{k}", Enumerable.Repeat((float)k, N * N).ToArray())).ToList();
        string chart = NotebookOutput.ToHtml(Plots.HeatmapSlider("slider", frames, N, -1, 1, ("x", "y"), "k", "Viridis", 0, 2, zeroContour: false), staticImage: false);
        const string Probe = """
            <div id="result"></div><script>
            (function poll(){var gd=document.querySelector('.js-plotly-plot');
              if(!gd||!gd._fullLayout||!window.Plotly){setTimeout(poll,50);return;}
              var step=gd._fullLayout.sliders[0].steps[2];
              Plotly.animate(gd,step.args[0],step.args[1]).then(function(){
                var z=gd._fullData[0].z;document.getElementById('result').textContent='steps='+gd._fullLayout.sliders[0].steps.length+' z='+z[3][5];});})();
            </script>
            """;
        Assert.Contains("steps=3 z=2", DomWithProbe(chart, Probe));
    }

    [Fact]
    public void ProgramPagesTypesetTheEquationsOffline()
    {
        RequireBrowser();
        Assert.True(Katex.Installed is not null, "no KaTeX: apt-get install libjs-katex (.ci/run installs it) or set HEADRECON_KATEX");
        using var tmp = new TempDir();
        string source = tmp["nb.cs"];
        File.WriteAllText(source, "// %% [markdown]\n// # t\n// The density $\\sigma(s) = \\alpha\\,\\Psi_\\beta(-s)$ and the loss\n// $$\\mathcal{L} = \\sum_k w_k$$\n\n// %%\nvar x = 1;\n");
        var page = new NotebookPage(source, tmp["pages/nb.html"], TextWriter.Null);
        string dom = ChartImages.DumpDom(page.PagePath) ?? throw new TimeoutException("the browser did not finish");
        // One inline and one display equation, typeset (KaTeX's markup), none left as TeX source; the C# cell untouched.
        Assert.Equal(2, Regex.Count(dom, "<span class=\"katex\">"));
        Assert.Equal(1, Regex.Count(dom, "class=\"katex-display\""));
        Assert.DoesNotContain("\\(", dom[dom.IndexOf("<body", StringComparison.Ordinal)..]);
        Assert.Contains("var x = 1;", dom);
    }

    /// <summary>A chart and a probe script on one page beside the committed plotly.js, opened offline: the DOM after it ran.</summary>
    static string DomWithProbe(string chart, string probe)
    {
        string page = Path.Combine(CommittedNotebookTests.NotebookDir(), $".offline-check-{Guid.NewGuid():N}.html");
        File.WriteAllText(page, "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>" + chart + probe + "</body></html>", Encoding.UTF8);
        try { return ChartImages.DumpDom(page) ?? throw new TimeoutException("the browser did not finish"); }
        finally { File.Delete(page); }
    }

    static Image<Rgb24> Decode(string dataUrl) => Image.Load<Rgb24>(Convert.FromBase64String(dataUrl[(dataUrl.IndexOf(',') + 1)..]));

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(CommittedNotebookTests.NotebookDir(), "*.ipynb").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    /// <summary>
    /// A notebook's outputs as one page beside the committed plotly.js, opened with the network off: every chart is
    /// drawn (and its static image replaced). What a viewer without scripts shows, the static images, is checked by
    /// <see cref="CommittedNotebookTests"/>.
    /// </summary>
    [Theory]
    [MemberData(nameof(Notebooks))]
    public void CommittedNotebookShowsEveryChartOffline(string notebook)
    {
        RequireBrowser();
        string dir = CommittedNotebookTests.NotebookDir();
        var outputs = CommittedNotebookTests.HtmlOutputs(Path.Combine(dir, notebook)).ToList();
        int charts = outputs.Count(o => ChartHtml.FromPlotlyNetHtml(o) is not null);
        Assert.True(charts > 0, $"{notebook} has no chart outputs");
        // The page sits in notebooks/ like an exported notebook would, so the relative plotly.js is the committed one.
        string page = Path.Combine(dir, $".offline-check-{Guid.NewGuid():N}.html");
        File.WriteAllText(page, "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>" +
            string.Concat(outputs.Select(o => $"<div class=\"output\">{o}</div>")) + "</body></html>", Encoding.UTF8);
        try
        {
            string dom = ChartImages.DumpDom(page) ?? throw new TimeoutException("the browser did not finish");
            Assert.Equal(charts, Regex.Count(dom, "class=\"[^\"]*js-plotly-plot"));
            Assert.Empty(Regex.Matches(dom, "-static\" src="));
        }
        finally { File.Delete(page); }
    }
}
