using HeadRecon.Data;
using HeadRecon.Visualization;
using System.Text.Json.Nodes;
using Plotly.NET;
using DMesh = HeadRecon.Meshing.Mesh;

namespace HeadRecon.Notebooks;

/// <summary>A named curve: x and y values of one line.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A chart with Plotly animation frames that its slider steps through in the browser (see <see cref="Plots.HeatmapSlider"/>).</summary>
public sealed record FramedChart(GenericChart Chart, JsonArray Frames);

/// <summary>
/// Plotly.NET charts for the notebooks. Traces are built as plain Plotly JSON properties (DynamicObj) rather than
/// through the F# optional-argument API, which is awkward from C#; the result is an ordinary GenericChart that
/// users can combine or restyle with Plotly.NET.
/// </summary>
public static class Plots
{
    static Trace NewTrace(string type, params (string Key, object? Value)[] props)
    {
        var t = new Trace(type);
        foreach (var (k, v) in props)
            if (v is not null) t.SetProperty(k, v);
        return t;
    }

    static Dictionary<string, object> Obj(params (string Key, object? Value)[] props)
    {
        var d = new Dictionary<string, object>();
        foreach (var (k, v) in props)
            if (v is not null) d[k] = v;
        return d;
    }

    /// <summary>Combines traces with a layout given as Plotly layout properties.</summary>
    public static GenericChart Figure(IEnumerable<Trace> traces, params (string Key, object? Value)[] layout)
    {
        var chart = GenericChart.combine(traces.Select(t => GenericChart.ofTraceObject(true, t)).ToArray());
        var l = new Layout();
        foreach (var (k, v) in layout)
            if (v is not null) l.SetProperty(k, v);
        chart = GenericChart.addLayout(l, chart);
        // Plotly.NET fixes every chart at its default width; one that names none takes the notebook's width.
        if (!layout.Any(p => p.Key == "width" && p.Value is not null))
        {
            var own = GenericChart.getLayout(chart);
            own.RemoveProperty("width");
            own.SetProperty("autosize", true);
        }
        return chart;
    }

    /// <summary>
    /// HTML for notebook display and reports, with no network needed: the figure, a static image of it when a headless
    /// browser is installed (<see cref="ChartImages"/>), and a loader for the plotly.js beside the page (<see cref="PlotlyJs"/>).
    /// Live updates pass <paramref name="staticImage"/> false: a browser start per redraw would slow training down.
    /// </summary>
    public static string ToHtml(GenericChart chart, bool staticImage = true) => FigureHtml(ChartHtml.Figure(chart), staticImage);

    /// <summary>As <see cref="ToHtml(GenericChart, bool)"/>, with the frames in the figure; the static image shows the slider's first position.</summary>
    public static string ToHtml(FramedChart chart, bool staticImage = true)
    {
        var figure = ChartHtml.Figure(chart.Chart);
        figure["frames"] = chart.Frames.DeepClone();
        return FigureHtml(figure, staticImage);
    }

    static string FigureHtml(System.Text.Json.Nodes.JsonObject figure, bool staticImage) =>
        ChartHtml.Html("chart-" + Guid.NewGuid().ToString("N"), figure, staticImage ? ChartImages.TryRender(figure) : null);

    static object Title(string text) => Obj(("text", text));

    // ---------------------------------------------------------------- 2D

    /// <summary>Lines in one plot.</summary>
    public static GenericChart Lines(string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logY = false, int height = 320) =>
        Figure(series.Select(s => NewTrace("scatter", ("x", s.X), ("y", s.Y), ("mode", "lines"), ("name", s.Name))),
            ("title", Title(title)), ("height", height),
            ("xaxis", Obj(("title", Title(xLabel)))),
            ("yaxis", Obj(("title", Title(yLabel)), ("type", logY ? "log" : null))));

    // plotly's default colour sequence.
    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Several line panels side by side (one per entry), each with its own y axis: e.g. loss, PSNR and β curves.</summary>
    public static GenericChart LinePanels(string title, string xLabel, IReadOnlyList<(string Panel, IReadOnlyList<Series> Series, bool LogY)> panels, int height = 320)
    {
        var traces = new List<Trace>();
        var layout = new List<(string, object?)> { ("title", Title(title)), ("height", height), ("showlegend", panels.Any(p => p.Series.Count > 1)) };
        int n = panels.Count;
        double gap = 0.06, w = (1.0 - gap * (n - 1)) / n;
        // A run keeps one colour and one legend entry across the panels (plotly would colour by trace order and list it per panel).
        var runs = panels.SelectMany(p => p.Series.Count > 1 ? p.Series.Select(s => s.Name) : []).Distinct().ToList();
        var listed = new HashSet<string>();
        for (int i = 0; i < n; i++)
        {
            string ax = i == 0 ? "" : (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var s in panels[i].Series)
            {
                bool shared = panels[i].Series.Count > 1;
                string? color = shared ? Palette[runs.IndexOf(s.Name) % Palette.Length] : null;
                traces.Add(NewTrace("scatter", ("x", s.X), ("y", s.Y), ("mode", "lines"), ("name", shared ? s.Name : panels[i].Panel),
                    ("xaxis", "x" + ax), ("yaxis", "y" + ax), ("line", color is null ? null : Obj(("color", color))),
                    ("legendgroup", shared ? s.Name : null), ("showlegend", shared ? listed.Add(s.Name) : null)));
            }
            double x0 = i * (w + gap);
            layout.Add(("xaxis" + ax, Obj(("domain", new[] { x0, x0 + w }), ("title", Title(xLabel)), ("anchor", "y" + ax))));
            layout.Add(("yaxis" + ax, Obj(("title", Title(panels[i].Panel)), ("anchor", "x" + ax), ("type", panels[i].LogY ? "log" : null))));
        }
        return Figure(traces, layout.ToArray());
    }

    /// <summary>
    /// A measured quantity per category: each run as a small dot (hover: its label), the mean as a large marker with a
    /// whisker from the minimum to the maximum. The y axis fits the data, unlike bars, which must start at zero.
    /// </summary>
    public static GenericChart Dots(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<double> means, IReadOnlyList<double> mins,
        IReadOnlyList<double> maxs, IReadOnlyList<string> runCategories, IReadOnlyList<double> runValues, IReadOnlyList<string> runLabels, int height = 360) =>
        Figure(
        [
            NewTrace("scatter", ("x", runCategories), ("y", runValues), ("text", runLabels), ("mode", "markers"), ("name", "runs"),
                ("marker", Obj(("size", 7), ("color", "rgba(90,90,90,0.55)"))), ("hovertemplate", "%{text}: %{y:.4g}<extra></extra>")),
            NewTrace("scatter", ("x", categories), ("y", means), ("mode", "markers"), ("name", "mean, min–max"),
                ("marker", Obj(("size", 13), ("symbol", "diamond"), ("color", "#1f77b4"))),
                ("error_y", Obj(("type", "data"), ("symmetric", false), ("array", means.Select((m, i) => maxs[i] - m).ToArray()),
                    ("arrayminus", means.Select((m, i) => m - mins[i]).ToArray()), ("thickness", 2), ("width", 8)))),
        ],
        ("title", Title(title)), ("height", height), ("yaxis", Obj(("title", Title(yLabel)))),
        ("xaxis", Obj(("automargin", true), ("categoryorder", "array"), ("categoryarray", categories))),
        ("legend", Obj(("orientation", "h"), ("y", -0.35))));

    /// <summary>Per-ray plot of the error-bounded sampler: SDF, density and weights against depth, sample positions as ticks.</summary>
    public static GenericChart RayProfile(string title, double[] z, double[] sdf, double[] density, double[] weights)
    {
        double maxD = Math.Max(1e-12, density.Max()), maxW = Math.Max(1e-12, weights.Max());
        var traces = new[]
        {
            NewTrace("scatter", ("x", z), ("y", sdf), ("mode", "lines+markers"), ("name", "SDF"), ("marker", Obj(("size", 3)))),
            NewTrace("scatter", ("x", z), ("y", density.Select(d => d / maxD).ToArray()), ("mode", "lines"), ("name", $"density / {maxD:G3}")),
            NewTrace("scatter", ("x", z), ("y", weights.Select(v => v / maxW).ToArray()), ("mode", "lines"), ("name", $"weight / {maxW:G3}"), ("fill", "tozeroy")),
            NewTrace("scatter", ("x", z), ("y", z.Select(_ => -0.05).ToArray()), ("mode", "markers"), ("name", $"samples ({z.Length})"),
                ("marker", Obj(("symbol", "line-ns-open"), ("size", 8)))),
        };
        return Figure(traces, ("title", Title(title)), ("height", 340),
            ("xaxis", Obj(("title", Title("depth along the ray")))), ("yaxis", Obj(("range", new[] { -0.3, 1.1 }))));
    }

    // ---------------------------------------------------------------- heat maps

    /// <summary>SDF slices as heat maps with the zero level set drawn as a contour, in a grid of panels.</summary>
    public static GenericChart SdfSlices(string title, IReadOnlyList<(string Label, SdfSliceResult Slice)> slices, int columns = 3, double range = 0.0)
    {
        if (range <= 0) range = slices.Max(s => s.Slice.Values.Max(v => Math.Abs(v)));
        var panels = slices.Select(s => (s.Label, s.Slice.Values, s.Slice.Resolution, s.Slice.Min, s.Slice.Max, AxisNames(s.Slice.Plane))).ToList();
        return HeatmapGrid(title, panels, columns, "RdBu", -range, range, zeroContour: true);
    }

    /// <summary>The names of a slice plane's two in-plane axes (horizontal, vertical).</summary>
    public static (string X, string Y) AxisNames(SlicePlane p) => p switch { SlicePlane.XY => ("x", "y"), SlicePlane.XZ => ("x", "z"), _ => ("y", "z") };

    // A slice's sample positions along one axis, and its values as rows for plotly (row 0 first: the top, image order).
    static double[] Coords(double min, double max, int resolution) => [.. Enumerable.Range(0, resolution).Select(k => min + (max - min) * k / (resolution - 1))];

    static double[][] Rows(float[] values, int resolution) =>
        [.. Enumerable.Range(0, resolution).Select(r => Enumerable.Range(0, resolution).Select(c => Math.Round(values[r * resolution + c], 4)).ToArray())];

    /// <summary>A grid of square heat maps over [min, max]²; values are row-major resolution², rows running from the second
    /// axis' maximum down (image order, as <see cref="SdfSlice"/> makes them), so the picture is upright.</summary>
    /// <param name="overlay">Optional traces drawn over each panel (its index; the traces are put on its axes).</param>
    public static GenericChart HeatmapGrid(string title, IReadOnlyList<(string Label, float[] Values, int Resolution, double Min, double Max, (string X, string Y) Axes)> panels,
        int columns, string colorscale, double zmin, double zmax, bool zeroContour, int panelSize = 260, Func<int, IEnumerable<Trace>>? overlay = null)
    {
        int n = panels.Count, cols = Math.Min(columns, n), rows = (n + cols - 1) / cols;
        var traces = new List<Trace>();
        var layout = new List<(string, object?)>
        {
            ("title", Title(title)), ("height", rows * panelSize + 80), ("width", cols * panelSize + 120), ("showlegend", false),
        };
        var annotations = new List<object>();
        double gx = 0.04, gy = 0.08, w = (1.0 - gx * (cols - 1)) / cols, h = (1.0 - gy * (rows - 1)) / rows;
        for (int i = 0; i < n; i++)
        {
            var p = panels[i];
            string ax = i == 0 ? "" : (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var coords = Coords(p.Min, p.Max, p.Resolution);
            var rowCoords = coords.Reverse().ToArray();
            var z = Rows(p.Values, p.Resolution);
            // One contour trace drawn as a heat map with only the zero level as a line: the values are sent once.
            traces.Add(zeroContour
                ? NewTrace("contour", ("x", coords), ("y", rowCoords), ("z", z), ("colorscale", colorscale), ("zmin", zmin), ("zmax", zmax), ("zauto", false),
                    ("showscale", i == 0), ("xaxis", "x" + ax), ("yaxis", "y" + ax), ("name", p.Label),
                    ("contours", Obj(("coloring", "heatmap"), ("start", 0.0), ("end", 0.0), ("size", 1.0), ("showlines", true))),
                    ("line", Obj(("color", "black"), ("width", 2))))
                : NewTrace("heatmap", ("x", coords), ("y", rowCoords), ("z", z), ("colorscale", colorscale), ("zmin", zmin), ("zmax", zmax),
                    ("showscale", i == 0), ("xaxis", "x" + ax), ("yaxis", "y" + ax), ("name", p.Label)));
            foreach (var t in overlay?.Invoke(i) ?? [])
            {
                t.SetProperty("xaxis", "x" + ax);
                t.SetProperty("yaxis", "y" + ax);
                traces.Add(t);
            }
            int row = i / cols, col = i % cols;
            double x0 = col * (w + gx), y1 = 1.0 - row * (h + gy);
            // Axes fixed to the slice, so an overlay reaching past it does not shrink the picture.
            double[] range = [p.Min, p.Max];
            // Equal scales shrink the wider domain rather than widening its range past the slice (grey bands beside it).
            layout.Add(("xaxis" + ax, Obj(("domain", new[] { x0, x0 + w }), ("anchor", "y" + ax), ("title", Title(p.Axes.X)), ("range", range), ("constrain", "domain"))));
            layout.Add(("yaxis" + ax, Obj(("domain", new[] { y1 - h, y1 }), ("anchor", "x" + ax), ("title", Title(p.Axes.Y)), ("scaleanchor", "x" + ax), ("range", range), ("constrain", "domain"))));
            annotations.Add(Obj(("text", p.Label), ("x", x0 + w / 2), ("y", y1), ("xref", "paper"), ("yref", "paper"), ("xanchor", "center"), ("yanchor", "bottom"), ("showarrow", false)));
        }
        layout.Add(("annotations", annotations));
        return Figure(traces, layout.ToArray());
    }

    /// <summary>
    /// One heat map with a slider that steps through <paramref name="frames"/> (e.g. slice offsets, or an interpolation
    /// parameter): Plotly frames, swapped by the browser with no kernel round trip. Values are row-major resolution²,
    /// image order as in <see cref="HeatmapGrid"/>; <paramref name="overlay"/> traces stay fixed while the slider moves.
    /// </summary>
    public static FramedChart HeatmapSlider(string title, IReadOnlyList<(string Label, float[] Values)> frames, int resolution, double min, double max,
        (string X, string Y) axes, string sliderPrefix, string colorscale, double zmin, double zmax, bool zeroContour, IEnumerable<Trace>? overlay = null,
        int panelSize = 420, int active = 0)
    {
        if (frames.Count == 0) throw new ArgumentException("a slider needs at least one frame", nameof(frames));
        // No panel label: it would keep naming the first step; the slider's current value names the one shown.
        var chart = HeatmapGrid(title, [("", frames[active].Values, resolution, min, max, axes)], 1, colorscale, zmin, zmax, zeroContour,
            panelSize, overlay is null ? null : _ => overlay);
        var layout = GenericChart.getLayout(chart);
        layout.SetProperty("height", panelSize + 80 + 90);
        layout.SetProperty("width", panelSize + 280);
        // The slider sits below the plot; the panel keeps its square.
        layout.SetProperty("margin", Obj(("b", 110)));
        var steps = frames.Select(f => Obj(("label", f.Label), ("method", "animate"),
            ("args", new object[] { new[] { f.Label }, Obj(("mode", "immediate"), ("frame", Obj(("duration", 0), ("redraw", true))), ("transition", Obj(("duration", 0)))) }))).ToArray();
        layout.SetProperty("sliders", new[] { Obj(("active", active), ("pad", Obj(("t", 50))), ("currentvalue", Obj(("prefix", sliderPrefix + " "), ("visible", true))), ("steps", steps)) });
        var json = new JsonArray();
        foreach (var f in frames)
        {
            var rows = new JsonArray([.. Rows(f.Values, resolution).Select(row => (JsonNode?)new JsonArray([.. row.Select(v => (JsonNode?)JsonValue.Create(v))]))]);
            json.Add(new JsonObject
            {
                ["name"] = f.Label,
                ["data"] = new JsonArray(new JsonObject { ["z"] = ChartHtml.Compact(rows) }),
                ["traces"] = new JsonArray(0),
            });
        }
        return new FramedChart(chart, json);
    }

    /// <summary>The zero level set of a slice (row-major resolution², image order) as a line, to draw over another panel.</summary>
    public static Trace ZeroContour(float[] values, int resolution, double min, double max, string name, string color = "black", string dash = "dash")
    {
        var coords = Coords(min, max, resolution);
        return NewTrace("contour", ("x", coords), ("y", coords.Reverse().ToArray()), ("z", Rows(values, resolution)), ("showscale", false), ("name", name), ("hoverinfo", "skip"),
            ("contours", Obj(("coloring", "none"), ("start", 0.0), ("end", 0.0), ("size", 1.0), ("showlines", true))),
            ("line", Obj(("color", color), ("width", 1.5), ("dash", dash))));
    }

    /// <summary>2D arrows from (x, y) by (u, v), at true length, as one line trace (segments and two-stroke heads).</summary>
    public static Trace Arrows2D(float[] x, float[] y, float[] u, float[] v, string name, string color = "white", double headFraction = 0.3)
    {
        var xs = new List<double?>(); var ys = new List<double?>();
        for (int i = 0; i < x.Length; i++)
        {
            double len = Math.Sqrt(u[i] * u[i] + v[i] * v[i]);
            if (len < 1e-9) continue;
            double ex = x[i] + u[i], ey = y[i] + v[i], hx = -u[i] * headFraction, hy = -v[i] * headFraction;
            // Head strokes: the shaft's reverse direction turned by ±25°.
            const double Cos = 0.906, Sin = 0.423;
            xs.AddRange([x[i], ex, null, ex + Cos * hx - Sin * hy, ex, ex + Cos * hx + Sin * hy, null]);
            ys.AddRange([y[i], ey, null, ey + Sin * hx + Cos * hy, ey, ey - Sin * hx + Cos * hy, null]);
        }
        static double?[] R(List<double?> l) => [.. l.Select(d => d is double q ? Math.Round(q, 4) : (double?)null)];
        return NewTrace("scatter", ("x", R(xs)), ("y", R(ys)), ("mode", "lines"), ("name", name), ("hoverinfo", "skip"),
            ("line", Obj(("color", color), ("width", 1.2))), ("connectgaps", false));
    }

    // ---------------------------------------------------------------- 3D

    /// <summary>Meshes with more vertices are shown simplified (vertex clustering, values averaged): the chart is JSON in the
    /// notebook, about 100 bytes per vertex with its faces; 6k vertices still show a head's features at notebook size.</summary>
    public static int MaxDisplayVertices { get; set; } = 6_000;

    /// <summary>A triangle mesh as a Mesh3d trace: vertex colours if given (bytes RGB per vertex), else a scalar per vertex as heat map, else the mesh's own colours or flat grey.</summary>
    public static Trace MeshTrace(DMesh mesh, string name, byte[]? vertexColors = null, float[]? intensity = null, string colorscale = "Viridis",
        double opacity = 1.0, string scene = "scene", (double X, double Y, double Z)? offset = null, (double Min, double Max)? intensityRange = null,
        string? colorbarTitle = null)
    {
        var shown = mesh.SimplifiedForDisplay(MaxDisplayVertices, out var clusterOf);
        if (clusterOf is not null)
        {
            if (intensity is not null) intensity = DMesh.AverageByCluster(intensity, clusterOf);
            if (vertexColors is not null)
                vertexColors = [.. DMesh.AverageByCluster([.. vertexColors.Select(b => (float)b)], clusterOf, 3).Select(f => (byte)Math.Round(f))];
            mesh = shown;
        }
        var (ox, oy, oz) = offset ?? (0, 0, 0);
        int n = mesh.VertexCount, f = mesh.FaceCount;
        var x = new float[n]; var y = new float[n]; var zz = new float[n];
        // Four decimals are far below a pixel and keep the notebook outputs small.
        static float R(double v) => (float)Math.Round(v, 4);
        for (int i = 0; i < n; i++) { x[i] = R(mesh.Vertices[3 * i] + ox); y[i] = R(mesh.Vertices[3 * i + 1] + oy); zz[i] = R(mesh.Vertices[3 * i + 2] + oz); }
        var fi = new int[f]; var fj = new int[f]; var fk = new int[f];
        for (int t = 0; t < f; t++) { fi[t] = mesh.Faces[3 * t]; fj[t] = mesh.Faces[3 * t + 1]; fk[t] = mesh.Faces[3 * t + 2]; }
        var props = new List<(string, object?)> { ("x", x), ("y", y), ("z", zz), ("i", fi), ("j", fj), ("k", fk), ("name", name), ("opacity", opacity), ("scene", scene),
            ("showlegend", true), ("flatshading", false), ("lighting", Obj(("ambient", 0.3), ("diffuse", 0.9), ("specular", 0.1), ("roughness", 0.6), ("fresnel", 0.1))),
            // In front of the face (+z), above and to the left, so relief shades on both halves (plotly's default light
            // comes from +x+y at z = 0: a face looking at the camera is lit on one side only).
            ("lightposition", Obj(("x", -3000), ("y", 5000), ("z", 8000))) };
        vertexColors ??= intensity is null ? mesh.Colors : null;
        if (intensity is not null)
        {
            props.Add(("intensity", intensity)); props.Add(("colorscale", colorscale)); props.Add(("showscale", true));
            if (intensityRange is var (lo, hi)) { props.Add(("cmin", lo)); props.Add(("cmax", hi)); }
            props.Add(("colorbar", Obj(("title", colorbarTitle is null ? null : Title(colorbarTitle)), ("len", 0.8))));
        }
        // plotly.js never finishes drawing a mesh3d with an empty vertexcolor array (an empty mesh, e.g. before training).
        else if (vertexColors is not null && n > 0)
            props.Add(("vertexcolor", Enumerable.Range(0, n).Select(i => $"rgb({vertexColors[3 * i]},{vertexColors[3 * i + 1]},{vertexColors[3 * i + 2]})").ToArray()));
        else props.Add(("color", "lightgrey"));
        return NewTrace("mesh3d", props.ToArray());
    }

    /// <summary>One 3D scene with equal axis scales; <paramref name="faceOn"/> looks down −z with y up (the template's
    /// orientation: a head faces the viewer), else plotly's default view.</summary>
    public static GenericChart Scene(string title, IEnumerable<Trace> traces, int height = 520, bool faceOn = false) =>
        Figure(traces, ("title", Title(title)), ("height", height), ("scene", faceOn
            ? Obj(("aspectmode", "data"), ("camera", Obj(("eye", Obj(("x", 0.5), ("y", 0.3), ("z", 1.9))), ("up", Obj(("x", 0.0), ("y", 1.0), ("z", 0.0))))))
            : Obj(("aspectmode", "data"))));

    /// <summary>
    /// Meshes side by side, one 3D scene each, from the same viewpoint, turning together. The figure takes the notebook's width
    /// (responsive); the legend sits under the panels, clear of the colour bar. <paramref name="intensityRange"/> fixes
    /// the colour scale (e.g. a clipped error range), <paramref name="colorbarTitle"/> names its unit.
    /// </summary>
    public static GenericChart MeshGrid(string title, IReadOnlyList<(string Label, DMesh Mesh, byte[]? Colors, float[]? Intensity)> meshes, string colorscale = "Viridis", int height = 420,
        (double Min, double Max)? intensityRange = null, string? colorbarTitle = null)
    {
        int n = meshes.Count;
        var traces = new List<Trace>();
        var layout = new List<(string, object?)> { ("title", Title(title)), ("height", height), ("autosize", true),
            ("legend", Obj(("orientation", "h"), ("x", 0.0), ("y", -0.02), ("yanchor", "top"))), ("margin", Obj(("l", 10), ("r", 10), ("t", 60), ("b", 40))),
            // The panels turn together (ChartHtml's loader links the scenes' cameras).
            ("meta", Obj(("linkCameras", n > 1))) };
        var annotations = new List<object>();
        for (int i = 0; i < n; i++)
        {
            string scene = i == 0 ? "scene" : $"scene{i + 1}";
            var m = meshes[i];
            traces.Add(MeshTrace(m.Mesh, m.Label, m.Colors, m.Intensity, colorscale, scene: scene, intensityRange: intensityRange, colorbarTitle: colorbarTitle));
            double x0 = (double)i / n, x1 = (double)(i + 1) / n;
            layout.Add((scene, Obj(("domain", Obj(("x", new[] { x0, x1 }), ("y", new[] { 0.0, 0.92 }))), ("aspectmode", "data"),
                ("camera", Obj(("eye", Obj(("x", 0.45), ("y", 0.35), ("z", 2.2))), ("up", Obj(("x", 0.0), ("y", 1.0), ("z", 0.0))))))));
            annotations.Add(Obj(("text", m.Label), ("x", (x0 + x1) / 2), ("y", 0.97), ("xref", "paper"), ("yref", "paper"), ("showarrow", false)));
        }
        layout.Add(("annotations", annotations));
        return Figure(traces, layout.ToArray());
    }

    /// <summary>
    /// Per-vertex distances to the ground truth on each mesh, on one colour scale clipped at the
    /// <paramref name="percentile"/>-th percentile of all distances (a few far outliers would otherwise leave the
    /// surface one colour), colour bar in <paramref name="unit"/>; the title gives median, clip and maximum.
    /// </summary>
    public static GenericChart ErrorMeshes(string title, IReadOnlyList<(string Label, DMesh Mesh, float[] Distances)> meshes, DMesh? groundTruth, string unit,
        double percentile = 95, int height = 420)
    {
        var all = meshes.SelectMany(m => m.Distances).Where(float.IsFinite).Select(d => (double)d).Order().ToArray();
        double Q(double p) => all.Length == 0 ? 0 : all[Math.Clamp((int)Math.Round(p / 100 * (all.Length - 1)), 0, all.Length - 1)];
        double clip = Math.Max(Q(percentile), 1e-12);
        var panels = meshes.Select(m => (m.Label, m.Mesh, (byte[]?)null, (float[]?)m.Distances)).ToList();
        if (groundTruth is not null) panels.Add(("ground truth", groundTruth, null, null));
        return MeshGrid(System.FormattableString.Invariant($"{title} (median {Q(50):G3}, colour clipped at the {percentile:G3}th percentile {clip:G3}, max {Q(100):G3} {unit})"),
            panels, "Jet", height, (0, clip), $"distance ({unit})");
    }

    /// <summary>Vectors at points as cones, the longest <paramref name="sizeRef"/> grid spacings long (plotly's "scaled"
    /// mode: lengths compare within the plot; its "absolute" mode sizes every cone by the field's maximum and lets small
    /// fields fill the scene).</summary>
    public static Trace ConeTrace(float[] points, float[] vectors, string name, double sizeRef = 0.8, string scene = "scene") =>
        NewTrace("cone",
            ("x", Every(points, 0)), ("y", Every(points, 1)), ("z", Every(points, 2)),
            ("u", Every(vectors, 0)), ("v", Every(vectors, 1)), ("w", Every(vectors, 2)),
            ("sizemode", "scaled"), ("sizeref", sizeRef), ("anchor", "tail"), ("colorscale", "Plasma"), ("name", name), ("scene", scene),
            ("colorbar", Obj(("title", Title("|Δx|")))));

    static float[] Every(float[] xyz, int k)
    {
        var r = new float[xyz.Length / 3];
        for (int i = 0; i < r.Length; i++) r[i] = xyz[3 * i + k];
        return r;
    }

    /// <summary>Camera frusta (apex at the centre, image-plane rectangle at <paramref name="depth"/>) with view labels.</summary>
    public static IEnumerable<Trace> FrustumTraces(IEnumerable<HeadView> views, double depth, string scene = "scene")
    {
        var xs = new List<double?>(); var ys = new List<double?>(); var zs = new List<double?>();
        var lx = new List<double>(); var ly = new List<double>(); var lz = new List<double>(); var labels = new List<string>();
        foreach (var v in views)
        {
            var c = v.Center;
            double[][] corners = new double[4][];
            (double U, double V)[] uv = [(0, 0), (v.Width, 0), (v.Width, v.Height), (0, v.Height)];
            for (int k = 0; k < 4; k++)
            {
                var (_, dirs) = PinholeCamera.Compute(v, [(float)uv[k].U, (float)uv[k].V]);
                // Directions are unit length; scale so the rectangle sits at camera depth `depth` along the optical axis.
                double zc = dirs[0] * v.CameraToWorld[2] + dirs[1] * v.CameraToWorld[6] + dirs[2] * v.CameraToWorld[10];
                double s = depth / Math.Max(1e-9, zc);
                corners[k] = [c.X + dirs[0] * s, c.Y + dirs[1] * s, c.Z + dirs[2] * s];
            }
            void Seg(double[] a, double[] b) { xs.AddRange([a[0], b[0], null]); ys.AddRange([a[1], b[1], null]); zs.AddRange([a[2], b[2], null]); }
            double[] apex = [c.X, c.Y, c.Z];
            for (int k = 0; k < 4; k++) { Seg(apex, corners[k]); Seg(corners[k], corners[(k + 1) % 4]); }
            lx.Add(c.X); ly.Add(c.Y); lz.Add(c.Z); labels.Add($"{v.IdentityName}/{v.ViewName}");
        }
        yield return NewTrace("scatter3d", ("x", xs), ("y", ys), ("z", zs), ("mode", "lines"), ("name", "cameras"), ("line", Obj(("color", "royalblue"), ("width", 3))), ("scene", scene));
        yield return NewTrace("scatter3d", ("x", lx), ("y", ly), ("z", lz), ("mode", "markers+text"), ("text", labels), ("name", "camera centres"),
            ("marker", Obj(("size", 3), ("color", "navy"))), ("textfont", Obj(("size", 9))), ("scene", scene));
    }

    /// <summary>A wireframe sphere (latitude/longitude circles) of the given radius around the origin.</summary>
    public static Trace SphereTrace(double radius, string name, string scene = "scene", int circles = 8)
    {
        var xs = new List<double?>(); var ys = new List<double?>(); var zs = new List<double?>();
        const int Seg = 48;
        for (int i = 1; i < circles; i++)
        {
            double phi = Math.PI * i / circles, r = radius * Math.Sin(phi), h = radius * Math.Cos(phi);
            for (int k = 0; k <= Seg; k++) { double t = 2 * Math.PI * k / Seg; xs.Add(r * Math.Cos(t)); ys.Add(h); zs.Add(r * Math.Sin(t)); }
            xs.Add(null); ys.Add(null); zs.Add(null);
        }
        for (int i = 0; i < circles; i++)
        {
            double th = Math.PI * i / circles;
            for (int k = 0; k <= Seg; k++)
            {
                double t = 2 * Math.PI * k / Seg;
                xs.Add(radius * Math.Sin(t) * Math.Cos(th)); ys.Add(radius * Math.Cos(t)); zs.Add(radius * Math.Sin(t) * Math.Sin(th));
            }
            xs.Add(null); ys.Add(null); zs.Add(null);
        }
        return NewTrace("scatter3d", ("x", xs), ("y", ys), ("z", zs), ("mode", "lines"), ("name", name), ("line", Obj(("color", "rgba(200,60,60,0.35)"), ("width", 1))), ("scene", scene));
    }

    /// <summary>Points as a 3D scatter (e.g. ray samples or hit points).</summary>
    public static Trace PointsTrace(float[] xyz, string name, string color = "orange", double size = 2, string scene = "scene") =>
        NewTrace("scatter3d", ("x", Every(xyz, 0)), ("y", Every(xyz, 1)), ("z", Every(xyz, 2)), ("mode", "markers"), ("name", name),
            ("marker", Obj(("size", size), ("color", color))), ("scene", scene));
}
