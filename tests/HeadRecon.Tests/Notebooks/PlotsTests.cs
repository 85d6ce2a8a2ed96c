using HeadRecon.Notebooks;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public class PlotsTests
{
    static T Property<T>(Plotly.NET.Trace t, string name) => (T)t.GetPropertyValue(name);

    [Fact]
    public void LargeMeshesAreShownSimplifiedWithTheirValuesAveraged()
    {
        var sphere = TestMeshes.Sphere(120, 0.5);
        Assert.True(sphere.VertexCount > Plots.MaxDisplayVertices);
        var intensity = Enumerable.Range(0, sphere.VertexCount).Select(i => sphere.Vertices[3 * i + 2]).ToArray(); // z
        var trace = Plots.MeshTrace(sphere, "s", intensity: intensity);
        var x = Property<float[]>(trace, "x");
        var z = Property<float[]>(trace, "z");
        var shownIntensity = Property<float[]>(trace, "intensity");
        Assert.InRange(x.Length, 1000, Plots.MaxDisplayVertices);
        Assert.Equal(x.Length, shownIntensity.Length);
        // The averaged value of z is (up to rounding to 4 decimals) the shown vertex's z.
        for (int i = 0; i < z.Length; i++) Assert.InRange(shownIntensity[i] - z[i], -2e-4f, 2e-4f);

        var small = TestMeshes.Sphere(16, 0.5);
        Assert.Equal(small.VertexCount, Property<float[]>(Plots.MeshTrace(small, "small"), "x").Length);
    }

    [Fact]
    public void ErrorMeshesClipTheColourScaleAtAPercentileInDatasetUnits()
    {
        var sphere = TestMeshes.Sphere(16, 0.5);
        // Mostly small errors and one far outlier: scaling to the maximum would paint the surface one colour.
        var d = Enumerable.Range(0, sphere.VertexCount).Select(i => i == 0 ? 1.0f : 0.01f * (i % 10)).ToArray();
        var chart = Plots.ErrorMeshes("err", [("rec", sphere, d)], sphere, "mm");
        var trace = ChartHtml.Figure(chart)["data"]![0]!;
        double cmax = trace["cmax"]!.GetValue<double>();
        Assert.InRange(cmax, 0.085, 0.095); // the 95th percentile of 0.00…0.09, not the outlier 1.0
        Assert.Equal(0.0, trace["cmin"]!.GetValue<double>());
        Assert.Equal("distance (mm)", trace["colorbar"]!["title"]!["text"]!.GetValue<string>());
        var layout = ChartHtml.Figure(chart)["layout"]!;
        Assert.Null(layout["width"]); // responsive: the notebook's width
        Assert.Equal("h", layout["legend"]!["orientation"]!.GetValue<string>());
    }

    [Fact]
    public void TablesAreFlatWithOneColumnPerProperty()
    {
        var html = NotebookHtml.Table(new[] { new { view = "a", psnr = 21.23456 }, new { view = "b<", psnr = 3.0 } }, "F2").Html;
        Assert.Contains("<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">psnr</th>", html);
        Assert.Contains(">21.23<", html);
        Assert.Contains(">b&lt;<", html);
        Assert.Equal(3, html.Split("<tr>").Length - 1); // header + 2 rows
    }

    [Fact]
    public void AnEmptyMeshCarriesNoVertexColours()
    {
        // plotly.js never finishes drawing a mesh3d with an empty vertexcolor array.
        var trace = Plots.MeshTrace(HeadRecon.Meshing.Mesh.Empty, "empty", vertexColors: []);
        Assert.Throws<MissingMemberException>(() => trace.GetPropertyValue("vertexcolor"));
        Assert.Equal("lightgrey", (string)trace.GetPropertyValue("color"));
    }

    [Fact]
    public void SlicesAreDrawnUprightTheirTopRowAtTheSecondAxisMaximum()
    {
        // An SDF slice of the half space y > 0.2 (inside = negative): SdfSlice's first row is the top of the plane.
        using var _ = TorchSharp.torch.NewDisposeScope();
        var slice = HeadRecon.Visualization.SdfSlice.Evaluate(p => p.narrow(1, 1, 1).neg() + 0.2, HeadRecon.Visualization.SlicePlane.XY, 21, -1, 1);
        Assert.True(slice.Values[0] < 0 && slice.Values[^1] > 0, "SdfSlice: first row is the top (y = max)");
        var trace = ChartHtml.Figure(Plots.SdfSlices("s", [("p", slice)]))["data"]![0]!;
        var y = ChartHtml.Values(trace["y"])!;
        // Row 0 of z is drawn at y[0]: that must be the top, where the values are negative.
        Assert.Equal(1.0, y[0], 6);
        Assert.Equal(-1.0, y[^1], 6);
        var z = trace["z"] is System.Text.Json.Nodes.JsonArray rows ? ChartHtml.Values(rows[0])! : ChartHtml.Values(trace["z"])!;   // a row, or the flat typed array
        Assert.True(z[0] < 0, $"z[0][0] = {z[0]}");
    }

    [Fact]
    public void ASliderCarriesOneFramePerStepAndShowsTheActiveOne()
    {
        const int N = 6;
        var frames = Enumerable.Range(0, 4).Select(k => ($"t{k}", Enumerable.Range(0, N * N).Select(i => (float)(k + 0.01 * i)).ToArray())).ToList();
        var chart = Plots.HeatmapSlider("s", frames, N, -1, 1, ("x", "y"), "t", "Viridis", 0, 4, zeroContour: true, active: 2);
        var figure = ChartHtml.Figure(chart.Chart);
        // Drawn first: the active step's values, row 0 first.
        var z0 = ChartHtml.Values(figure["data"]![0]!["z"])!;
        Assert.Equal(frames[2].Item2.Select(v => (double)v), z0, (a, b) => Math.Abs(a - b) < 1e-4);
        var steps = figure["layout"]!["sliders"]![0]!["steps"]!.AsArray();
        Assert.Equal(["t0", "t1", "t2", "t3"], steps.Select(s => s!["label"]!.GetValue<string>()));
        Assert.Equal(2, figure["layout"]!["sliders"]![0]!["active"]!.GetValue<int>());
        // Each step animates to the frame of its name, and that frame holds its values for trace 0.
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal($"t{k}", steps[k]!["args"]![0]![0]!.GetValue<string>());
            var frame = chart.Frames[k]!;
            Assert.Equal($"t{k}", frame["name"]!.GetValue<string>());
            Assert.Equal(0, frame["traces"]![0]!.GetValue<int>());
            var z = ChartHtml.Values(frame["data"]![0]!["z"])!;
            Assert.Equal(frames[k].Item2.Select(v => (double)v), z, (a, b) => Math.Abs(a - b) < 1e-4);
        }
        // The page's figure carries the frames.
        var html = NotebookOutput.ToHtml(chart, staticImage: false);
        Assert.Equal(4, ChartHtml.FromPlotlyNetHtml(html)!["frames"]!.AsArray().Count);
    }

    [Fact]
    public void ComparedRunsKeepOneColourAndOneLegendEntryAcrossPanels()
    {
        double[] x = [0, 1];
        var chart = Plots.LinePanels("cmp", "iteration",
        [
            ("loss", [new Series("template", x, [1, 0.5]), new Series("scratch", x, [1, 0.7])], true),
            ("PSNR", [new Series("template", x, [10, 20]), new Series("scratch", x, [10, 15])], false),
        ]);
        var data = ChartHtml.Figure(chart)["data"]!.AsArray();
        Assert.Equal(4, data.Count);
        string Color(int i) => data[i]!["line"]!["color"]!.GetValue<string>();
        Assert.Equal(Color(0), Color(2));
        Assert.Equal(Color(1), Color(3));
        Assert.NotEqual(Color(0), Color(1));
        Assert.Equal([true, true, false, false], data.Select(t => t!["showlegend"]!.GetValue<bool>()));
        Assert.Equal(["template", "scratch", "template", "scratch"], data.Select(t => t!["legendgroup"]!.GetValue<string>()));
    }
}
