using System.Text.Json.Nodes;
using HeadRecon.Notebooks;
using Plotly.NET;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public class ChartHtmlTests
{
    [Fact]
    public void LongNumericArraysBecomeTypedArraysThatDecodeToTheSameValues()
    {
        var floats = Enumerable.Range(0, 100).Select(i => Math.Sin(i) * 3.25).ToArray();
        var ints = Enumerable.Range(0, 50).Select(i => (double)(i * 1000)).ToArray();
        var negatives = Enumerable.Range(0, 40).Select(i => (double)(i - 20) * 100_000).ToArray();
        var rows = Enumerable.Range(0, 8).Select(r => Enumerable.Range(0, 6).Select(c => r * 0.5 + c * 0.125).ToArray()).ToArray();
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new
        {
            x = floats, i = ints, n = negatives, z = rows,
            shortList = new[] { 0.0, 0.5 }, withNull = Enumerable.Range(0, 40).Select(i => i % 5 == 0 ? (double?)null : i).ToArray(),
            names = Enumerable.Range(0, 40).Select(i => $"v{i}").ToArray(),
        }))!;

        var c = ChartHtml.Compact(node)!.AsObject();

        Assert.Equal("f4", c["x"]!["dtype"]!.GetValue<string>());
        var x = ChartHtml.Decode(c["x"]!.AsObject());
        for (int k = 0; k < floats.Length; k++) Assert.Equal(floats[k], x[k], 5e-7 * 3.25);
        Assert.Equal("u2", c["i"]!["dtype"]!.GetValue<string>());
        Assert.Equal(ints, ChartHtml.Decode(c["i"]!.AsObject()));
        Assert.Equal("i4", c["n"]!["dtype"]!.GetValue<string>());
        Assert.Equal(negatives, ChartHtml.Decode(c["n"]!.AsObject()));
        Assert.Equal("8,6", c["z"]!["shape"]!.GetValue<string>());
        Assert.Equal(rows.SelectMany(r => r), ChartHtml.Decode(c["z"]!.AsObject()));
        // Short arrays, arrays with gaps and text stay as plotly reads them literally.
        Assert.IsType<JsonArray>(c["shortList"]);
        Assert.IsType<JsonArray>(c["withNull"]);
        Assert.IsType<JsonArray>(c["names"]);
    }

    [Fact]
    public void ChartHtmlLoadsPlotlyFromBesideThePageAndRoundTrips()
    {
        var chart = Plots.Lines("curves", "iteration", "loss",
            [new Series("loss", [.. Enumerable.Range(0, 200).Select(i => (double)i)], [.. Enumerable.Range(0, 200).Select(i => 1.0 / (i + 1))])]);

        var figure = ChartHtml.Figure(chart);
        string html = ChartHtml.Html("chart-1", figure, "data:image/webp;base64,AAAA");

        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains($"\"{PlotlyJs.FileName}\"", html);
        Assert.Equal("chart-1", ChartHtml.ChartId(html));
        Assert.Equal("data:image/webp;base64,AAAA", ChartHtml.StaticImage(html));
        // The fragment's figure reads back as written, so a rewrite of saved outputs is idempotent.
        var back = ChartHtml.FromPlotlyNetHtml(html)!;
        Assert.Equal(figure.ToJsonString(), back.ToJsonString());
        Assert.Equal(html, ChartHtml.Html("chart-1", back, ChartHtml.StaticImage(html)));
        var y = ChartHtml.Values(back["data"]![0]!["y"])!;
        Assert.Equal(200, y.Length);
        Assert.Equal(1.0 / 7, y[6], 1e-7);
        // A string that would end the script element early is escaped.
        var evil = ChartHtml.Figure(Plots.Lines("</script><b>", "x", "y", [new Series("s", [0.0, 1.0], [0.0, 1.0])]));
        Assert.DoesNotContain("</script><b>", ChartHtml.Html("c", evil, null));
    }

    [Fact]
    public void PlotlyJsComesFromPlotlyNetAndIsWrittenOnce()
    {
        using var dir = new TempDir();
        string path = PlotlyJs.WriteInto(dir.Path);
        Assert.Equal(PlotlyJs.FileName, Path.GetFileName(path));
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1_000_000, $"plotly.js is only {bytes.Length} bytes");
        Assert.Contains($"\"{PlotlyJs.Version}\"", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.True(File.Exists(path + ".LICENSE.txt"));
        var written = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, written.AddHours(-1));
        PlotlyJs.WriteInto(dir.Path);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(path)); // identical copy left alone
    }

    [Fact]
    public void OutputsSavedWithACdnLoaderAreRewrittenOfflineAndTheirMeshesSimplified()
    {
        using var dir = new TempDir();
        var sphere = TestMeshes.Sphere(120, 0.5);
        Assert.True(sphere.VertexCount > Plots.MaxDisplayVertices);
        var max = Plots.MaxDisplayVertices;
        string oldHtml;
        try
        {
            // How older versions saved a chart: Plotly.NET's HTML, full mesh, plotly.js from the CDN.
            Plots.MaxDisplayVertices = int.MaxValue;
            var chart = Plots.MeshGrid("sphere", [("s", sphere, null, null)]);
            oldHtml = GenericChart.toChartHTML(chart).Replace("</script>", "<script src=\"https://cdn.plot.ly/plotly-2.28.0.min.js\"></script></script>", StringComparison.Ordinal);
        }
        finally { Plots.MaxDisplayVertices = max; }
        var nb = new JsonObject
        {
            ["cells"] = new JsonArray(new JsonObject
            {
                ["cell_type"] = "code", ["source"] = new JsonArray("chart"),
                ["outputs"] = new JsonArray(new JsonObject
                {
                    ["output_type"] = "display_data",
                    ["data"] = new JsonObject { ["text/html"] = new JsonArray(oldHtml), ["text/plain"] = new JsonArray("chart") },
                }),
            }),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        string path = Path.Combine(dir.Path, "old.ipynb");
        File.WriteAllText(path, nb.ToJsonString());

        var summary = NotebookCharts.MakeOffline(path);

        Assert.Equal(1, summary.Charts);
        Assert.True(summary.BytesAfter < summary.BytesBefore / 2, $"{summary.BytesBefore} -> {summary.BytesAfter} bytes");
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("cdn.plot.ly", text);
        Assert.True(File.Exists(Path.Combine(dir.Path, PlotlyJs.FileName)));
        var saved = JsonNode.Parse(text)!;
        string html = NotebookCharts.Text(saved["cells"]![0]!["outputs"]![0]!["data"]!["text/html"]!);
        var trace = ChartHtml.FromPlotlyNetHtml(html)!["data"]![0]!;
        var x = ChartHtml.Values(trace["x"])!;
        var i = ChartHtml.Values(trace["i"])!;
        Assert.InRange(x.Length, 1000, Plots.MaxDisplayVertices);
        Assert.True(i.All(v => v >= 0 && v < x.Length));
        // The simplified sphere still has the sphere's radius.
        var y = ChartHtml.Values(trace["y"])!; var z = ChartHtml.Values(trace["z"])!;
        for (int k = 0; k < x.Length; k++) Assert.InRange(Math.Sqrt(x[k] * x[k] + y[k] * y[k] + z[k] * z[k]), 0.45, 0.505);
        Assert.Equal(summary.Images > 0, ChartHtml.StaticImage(html) is not null);

        // A second pass changes nothing.
        var again = NotebookCharts.MakeOffline(path);
        Assert.Equal(text, File.ReadAllText(path));
        Assert.Equal(summary.Images, again.Images);
    }
}
