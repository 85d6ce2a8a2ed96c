using HeadRecon.Data;
using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Training;
using HeadRecon.Visualization;
using Plotly.NET;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;
using DMesh = HeadRecon.Meshing.Mesh;

namespace HeadRecon.Notebooks;

/// <summary>
/// Collects training progress and draws loss / PSNR / β curves with a progress bar (iteration, loss, PSNR, ETA).
/// Reports arrive synchronously from Trainer.Train; every <c>updateEvery</c> reports (and on the last)
/// <see cref="OnUpdate"/> receives the bar and a fresh chart, which a notebook passes to a display handle's Update so
/// they redraw in place. Saved notebooks keep a display's first state (nbconvert does not apply updates), so a cell
/// ends by showing <see cref="Final"/>.
/// </summary>
public sealed class TrainingCurves(string title, int updateEvery = 10) : IProgress<TrainingProgress>
{
    readonly List<double> _it = [], _loss = [], _psnr = [], _beta = [];
    readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    public Action<HtmlFragment>? OnUpdate { get; set; }
    public TrainingProgress? Last { get; private set; }
    int _reports;

    public void Report(TrainingProgress value)
    {
        Add(value.Iteration, value.Metrics);
        Last = value;
        bool done = value.Iteration == value.TotalIterations;
        if (++_reports % Math.Max(1, updateEvery) == 0 || done) OnUpdate?.Invoke(done ? Final() : Live());
    }

    /// <summary>What a live display shows before the first report.</summary>
    public static HtmlFragment Waiting(bool cached) => new(cached
        ? "<i>cached run: nothing to train (its curves are drawn from its log below)</i>"
        : "<i>live progress: this display redraws while the cell runs; the final state is shown when it ends</i>");

    /// <summary>Progress bar and curves as they are now (no static image: it redraws often).</summary>
    public HtmlFragment Live() => new(ProgressBar() + Plots.ToHtml(Chart(), staticImage: false));

    /// <summary>Progress bar and curves at the end of training, with a static image of the curves.</summary>
    public HtmlFragment Final() => new(ProgressBar() + Plots.ToHtml(Chart()));

    /// <summary>An HTML progress bar: iteration of total, loss, PSNR, seconds per iteration, elapsed and ETA.</summary>
    public string ProgressBar()
    {
        if (Last is not TrainingProgress p) return "<div><i>no progress reported yet</i></div>";
        string elapsed = _clock.Elapsed.ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
        string eta = p.Iteration >= p.TotalIterations ? "done" : "ETA " + p.Eta.ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
        return System.FormattableString.Invariant(
            $"<div style=\"font-family:monospace;margin:4px 0\"><progress value=\"{p.Iteration}\" max=\"{p.TotalIterations}\" style=\"width:320px\"></progress> ") +
            System.Net.WebUtility.HtmlEncode(System.FormattableString.Invariant(
                $"{title}: iteration {p.Iteration}/{p.TotalIterations}, loss {p.Metrics.GetValueOrDefault("loss"):F4}, PSNR {p.Metrics.GetValueOrDefault("psnr"):F2} dB, {p.SecondsPerIteration:F2} s/it, elapsed {elapsed}, {eta}")) +
            "</div>";
    }

    /// <summary>Several runs' curves overlaid as a live display: a bar per run and the comparison chart (a static image
    /// once every run has finished).</summary>
    public static HtmlFragment LiveCompare(string title, IReadOnlyList<(string Name, TrainingCurves Curves)> runs)
    {
        bool done = runs.All(r => r.Curves.Last is { } p && p.Iteration == p.TotalIterations);
        return new(string.Concat(runs.Select(r => r.Curves.ProgressBar())) + Plots.ToHtml(Compare(title, runs), staticImage: done));
    }

    void Add(double iteration, IReadOnlyDictionary<string, double> m)
    {
        _it.Add(iteration);
        _loss.Add(m.GetValueOrDefault("loss"));
        _psnr.Add(m.GetValueOrDefault("psnr"));
        _beta.Add(m.GetValueOrDefault("beta"));
    }

    /// <summary>The curves of a finished (cached) run, from its metrics.jsonl.</summary>
    public static TrainingCurves FromRun(string runDir, string title)
    {
        var c = new TrainingCurves(title);
        foreach (var row in NotebookWorkspace.Metrics(runDir)) c.Add(row.GetValueOrDefault("iteration"), row);
        return c;
    }

    public int Count => _it.Count;
    public IReadOnlyList<double> Iterations => _it;
    public IReadOnlyList<double> Psnr => _psnr;
    public IReadOnlyList<double> Loss => _loss;

    public GenericChart Chart() => Plots.LinePanels(title, "iteration",
    [
        ("loss", [new Series("loss", _it, _loss)], true),
        ("PSNR (dB, training pixels)", [new Series("PSNR", _it, _psnr)], false),
        ("β (Laplace density scale)", [new Series("β", _it, _beta)], true),
    ]);

    /// <summary>Several runs' curves overlaid (e.g. template vs from scratch).</summary>
    public static GenericChart Compare(string title, IReadOnlyList<(string Name, TrainingCurves Curves)> runs) => Plots.LinePanels(title, "iteration",
    [
        ("loss", runs.Select(r => new Series(r.Name, r.Curves._it, r.Curves._loss)).ToList(), true),
        ("PSNR (dB)", runs.Select(r => new Series(r.Name, r.Curves._it, r.Curves._psnr)).ToList(), false),
        ("β", runs.Select(r => new Series(r.Name, r.Curves._it, r.Curves._beta)).ToList(), true),
    ]);
}

/// <summary>Raw HTML for notebook display (the notebooks' setup registers a formatter that writes it as is).</summary>
public sealed record HtmlFragment(string Html)
{
    public override string ToString() => Html;
}

/// <summary>HTML fragments for notebook display (images inline as data URIs).</summary>
public static class NotebookHtml
{
    /// <summary>An image as an &lt;img&gt;, enlarged without smoothing so small smoke images stay readable. An image more
    /// than twice the display width is stored at twice that width (sharp on high-density screens, and a 512² photo does
    /// not weigh down a saved notebook).</summary>
    public static string Image(Image<Rgb24> image, int displayWidth = 0, string? caption = null)
    {
        int w = displayWidth > 0 ? displayWidth : Math.Max(image.Width, Math.Min(256, image.Width * 4));
        byte[] png;
        if (image.Width > 2 * w)
        {
            using var small = image.Clone(c => c.Resize(2 * w, 0));
            png = Images.ToPngBytes(small);
        }
        else png = Images.ToPngBytes(image);
        string img = $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" style=\"width:{w}px;image-rendering:pixelated\"/>";
        return caption is null ? img : $"<figure style=\"display:inline-block;margin:4px;text-align:center\">{img}<figcaption style=\"font-size:11px\">{System.Net.WebUtility.HtmlEncode(caption)}</figcaption></figure>";
    }

    public static string ImageRow(IEnumerable<(string Caption, Image<Rgb24> Image)> images, int displayWidth = 128) =>
        "<div style=\"display:flex;flex-wrap:wrap\">" + string.Concat(images.Select(i => Image(i.Image, displayWidth, i.Caption))) + "</div>";

    /// <summary>Rows (records or anonymous objects) as a flat HTML table, one column per public property; numbers in
    /// <paramref name="format"/>.</summary>
    public static HtmlFragment Table<T>(IEnumerable<T> rows, string format = "G5")
    {
        var props = typeof(T).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        var sb = new System.Text.StringBuilder("<table style=\"border-collapse:collapse;font-size:12px\"><thead><tr>");
        foreach (var p in props) sb.Append("<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">").Append(System.Net.WebUtility.HtmlEncode(p.Name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var p in props)
            {
                string text = p.GetValue(row) switch
                {
                    null => "",
                    double d => d.ToString(format, System.Globalization.CultureInfo.InvariantCulture),
                    float f => f.ToString(format, System.Globalization.CultureInfo.InvariantCulture),
                    IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                    var o => o.ToString() ?? "",
                };
                sb.Append("<td style=\"padding:2px 8px\">").Append(System.Net.WebUtility.HtmlEncode(text)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        return new HtmlFragment(sb.Append("</tbody></table>").ToString());
    }

    public static string Gif(byte[] gif, int displayWidth = 256) =>
        $"<img src=\"data:image/gif;base64,{Convert.ToBase64String(gif)}\" style=\"width:{displayWidth}px;image-rendering:pixelated\"/>";
}

/// <summary>One camera's relation to the bounding sphere: does its central ray hit it, and where.</summary>
public sealed record RaySphereCheck(string View, double CameraDistance, double AxisMissDistance, bool CentralRayHitsSphere, double Near, double Far, bool CornersHitSphere);

/// <summary>One ray through the error-bounded sampler: sample depths and the SDF, density and weights there.</summary>
public sealed record RayProfileResult(double[] Z, double[] Sdf, double[] Density, double[] Weights, double Beta, int SamplerIterations)
{
    public GenericChart Chart(string title) => Plots.RayProfile($"{title} (β = {Beta:G3}, sampler iterations {SamplerIterations})", Z, Sdf, Density, Weights);
}

/// <summary>Rendered view vs ground truth.</summary>
public sealed record ViewEvaluation(string View, int Height, int Width, float[] Rendered, float[] GroundTruth, float[] Normals, double Psnr, double Ssim)
{
    public Image<Rgb24> RenderedImage => Images.FromRgb(Rendered, Height, Width);
    public Image<Rgb24> GroundTruthImage => Images.FromRgb(GroundTruth, Height, Width);
    public Image<Rgb24> NormalImage => Images.FromNormals(Normals, Height, Width);
}

/// <summary>Analyses the notebooks run on trained models and datasets; every plot-worthy array comes from here.</summary>
public static class NotebookTools
{
    static Tensor Code(HeadModel model, int identity) => model.ShapeCode(identity);

    // ---------------------------------------------------------------- data and cameras

    /// <summary>Ray/sphere sanity per view: the optical axis should pass near the origin and every corner ray should cross the sphere.</summary>
    public static IReadOnlyList<RaySphereCheck> RaySphereChecks(HeadDataset data, double radius) => data.Views.Select(v =>
    {
        var (o, d) = PinholeCamera.Compute(v, [(float)v.Cx, (float)v.Cy]);
        var hit = Intersect(o, d, radius);
        double t = -(o[0] * d[0] + o[1] * d[1] + o[2] * d[2]);
        double miss = Math.Sqrt(Math.Pow(o[0] + t * d[0], 2) + Math.Pow(o[1] + t * d[1], 2) + Math.Pow(o[2] + t * d[2], 2));
        bool corners = new (float, float)[] { (0, 0), (v.Width - 1, 0), (0, v.Height - 1), (v.Width - 1, v.Height - 1) }
            .All(c => { var (oc, dc) = PinholeCamera.Compute(v, [c.Item1, c.Item2]); return Intersect(oc, dc, radius) is not null; });
        double dist = Math.Sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
        return new RaySphereCheck($"{v.IdentityName}/{v.ViewName}", dist, miss, hit is not null, hit?.Near ?? double.NaN, hit?.Far ?? double.NaN, corners);
    }).ToList();

    static (double Near, double Far)? Intersect(double[] o, double[] d, double r)
    {
        double b = o[0] * d[0] + o[1] * d[1] + o[2] * d[2];
        double c = o[0] * o[0] + o[1] * o[1] + o[2] * o[2] - r * r;
        double disc = b * b - c;
        if (disc < 0) return null;
        double s = Math.Sqrt(disc);
        return (Math.Max(0, -b - s), -b + s);
    }

    /// <summary>
    /// One sentence on a finished run, read from its metrics.jsonl: iterations, training-pixel PSNR and loss at the
    /// start and the end (each the mean of the first / last tenth of the log, so one noisy batch does not decide it) and β.
    /// </summary>
    public static string RunSummary(string runDir, string label)
    {
        var rows = NotebookWorkspace.Metrics(runDir);
        if (rows.Count == 0) return $"{label}: the run has no logged iterations.";
        int tenth = Math.Max(1, rows.Count / 10);
        double Mean(IEnumerable<IReadOnlyDictionary<string, double>> r, string key) => r.Select(x => x.GetValueOrDefault(key, double.NaN)).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        var first = rows.Take(tenth).ToList();
        var last = rows.Skip(rows.Count - tenth).ToList();
        double p0 = Mean(first, "psnr"), p1 = Mean(last, "psnr");
        return System.FormattableString.Invariant(
            $"{label}: {rows[^1].GetValueOrDefault("iteration"):F0} iterations; training-pixel PSNR {p0:F1} → {p1:F1} dB ({(p1 > p0 ? "+" : "")}{p1 - p0:F1} dB), loss {Mean(first, "loss"):G3} → {Mean(last, "loss"):G3}, β {first[0].GetValueOrDefault("beta"):G3} → {rows[^1].GetValueOrDefault("beta"):G3}.");
    }

    /// <summary>The first images of a dataset with their labels.</summary>
    public static IEnumerable<(string Caption, Image<Rgb24> Image)> ViewImages(HeadDataset data, int max = 24) =>
        data.Views.Take(max).Select(v => ($"{v.IdentityName}/{v.ViewName}", Images.FromRgb(v.Rgb, v.Height, v.Width)));

    /// <summary>A 3D plot of the camera frusta, the bounding sphere and (optionally) a mesh in the model frame.</summary>
    public static GenericChart CameraPlot(IReadOnlyList<HeadView> views, double sphereRadius, DMesh? modelFrameMesh, string title = "cameras, bounding sphere and ground truth")
    {
        double dist = views.Average(v => Math.Sqrt(v.Center.X * v.Center.X + v.Center.Y * v.Center.Y + v.Center.Z * v.Center.Z));
        // The bounding sphere is much larger than the camera rig: listed in the legend (click to show), left out of the
        // axis ranges, so cameras and head are drawn at a readable scale.
        var sphere = Plots.SphereTrace(sphereRadius, $"bounding sphere r = {sphereRadius:G3} (click to show)");
        sphere.SetProperty("visible", "legendonly");
        var traces = new List<Trace>(Plots.FrustumTraces(views, dist * 0.15)) { sphere };
        if (modelFrameMesh is not null) traces.Add(Plots.MeshTrace(modelFrameMesh, "ground truth (model frame)"));
        return Plots.Scene(title, traces, 600);
    }

    // ---------------------------------------------------------------- rays and slices

    /// <summary>Runs the error-bounded sampler on one pixel's ray and evaluates SDF, density and weights at the final samples.</summary>
    public static RayProfileResult RayProfile(HeadModel model, ITrainingData data, int view, int column, int row)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var all = data.AllPixels(view, model.Background.device);
        int index = row * all.Width + column;
        var batch = all.Batch with { Uv = all.Batch.Uv.narrow(1, index, 1) };
        var (dirs3, cam1) = CameraRays.Compute(batch.Uv, batch.Pose, batch.Intrinsics);
        var dirs = dirs3.reshape(-1, 3);
        var cam = cam1.reshape(-1, 3);
        var code = Code(model, all.IdentityIndex);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var beta = model.Density.GetBeta();
            var s = model.SampleRays(dirs, cam, batch.Identity, code, training: false);
            var z = s.ZVals;
            var pts = (cam.unsqueeze(1) + z.unsqueeze(2) * dirs.unsqueeze(1)).reshape(-1, 3);
            var sdf = model.SdfValues(pts, code).reshape(1, -1);
            var dens = model.Density.forward(sdf);
            var w = VolumeRenderer.Weights(z, dens, s.Limited);
            static double[] D(Tensor t) => t.reshape(-1).to(float64).cpu().data<double>().ToArray();
            return new RayProfileResult(D(z), D(sdf), D(dens), D(w), beta.item<float>(), s.Iterations);
        }
        finally { if (wasTraining) model.train(); }
    }

    /// <summary>XY/XZ/YZ slices through the origin of the template SDF and of each identity's deformed SDF.</summary>
    public static IReadOnlyList<(string Label, SdfSliceResult Slice)> SdfSlices(HeadModel model, IReadOnlyList<string> identities, int resolution, double extent)
    {
        var result = new List<(string, SdfSliceResult)>();
        using var _ = no_grad();
        foreach (var plane in new[] { SlicePlane.XY, SlicePlane.XZ, SlicePlane.YZ })
            result.Add(($"template {plane}", SdfSlice.Evaluate(p => model.DeformTempGeoNetwork.TemplateSdf(p.to(model.Background.device)), plane, resolution, -extent, extent)));
        for (int i = 0; i < identities.Count; i++)
            foreach (var plane in new[] { SlicePlane.XY, SlicePlane.XZ, SlicePlane.YZ })
                result.Add(($"{identities[i]} {plane}", SdfSlice.Evaluate(model, i, plane, resolution, -extent, extent)));
        return result;
    }

    // ---------------------------------------------------------------- deformation

    /// <summary>Δx on a regular grid of points inside the sphere of radius <paramref name="extent"/> (for cones).</summary>
    public static (float[] Points, float[] Offsets) DeformationGrid(HeadModel model, int identity, int perAxis, double extent)
    {
        var pts = new List<float>();
        for (int i = 0; i < perAxis; i++)
            for (int j = 0; j < perAxis; j++)
                for (int k = 0; k < perAxis; k++)
                {
                    double x = -extent + 2 * extent * i / (perAxis - 1), y = -extent + 2 * extent * j / (perAxis - 1), z = -extent + 2 * extent * k / (perAxis - 1);
                    if (x * x + y * y + z * z <= extent * extent) pts.AddRange([(float)x, (float)y, (float)z]);
                }
        var p = pts.ToArray();
        return (p, Offsets(model, identity, p));
    }

    /// <summary>Δx(x) of an identity at arbitrary points (n·3 floats).</summary>
    public static float[] Offsets(HeadModel model, int identity, float[] points)
    {
        if (points.Length == 0) return [];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var p = tensor(points, [points.Length / 3, 3]).to(model.Background.device);
        return model.DeformTempGeoNetwork.Evaluate(p, Code(model, identity)).DeltaX.cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>|Δx| on a slice plane through the origin (row-major resolution²).</summary>
    public static SdfSliceResult DeformationMagnitudeSlice(HeadModel model, int identity, SlicePlane plane, int resolution, double extent)
    {
        var code = Code(model, identity);
        using var _ = no_grad();
        return SdfSlice.Evaluate(p => model.DeformTempGeoNetwork.Evaluate(p.to(code.device), code).DeltaX.norm(1, true), plane, resolution, -extent, extent);
    }

    /// <summary>Correspondence colours: each vertex coloured by its template coordinate x + Δx, normalised over the given box.</summary>
    public static byte[] CorrespondenceColors(HeadModel model, int identity, DMesh mesh, double extent)
    {
        var off = Offsets(model, identity, mesh.Vertices);
        var colors = new byte[mesh.Vertices.Length];
        for (int i = 0; i < colors.Length; i++)
            colors[i] = (byte)Math.Clamp((int)Math.Round(255 * ((mesh.Vertices[i] + off[i]) / (2 * extent) + 0.5)), 0, 255);
        return colors;
    }

    /// <summary>The shape code (1 − t)·code(a) + t·code(b).</summary>
    static Tensor InterpolatedCode(HeadModel model, int a, int b, double t) => (Code(model, a) * (float)(1 - t) + Code(model, b) * (float)t).detach();

    /// <summary>The mesh of an interpolated shape code (1 − t)·code(a) + t·code(b): identities are points of a continuous shape space.</summary>
    public static DMesh InterpolatedMesh(HeadModel model, int a, int b, double t, double extent, int resolution)
    {
        var code = InterpolatedCode(model, a, b, t);
        return MarchingCubes.ExtractFromFunction(points =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var p = tensor(points, [points.Length / 3, 3]).to(code.device);
            return model.SdfValues(p, code).reshape(-1).cpu().data<float>().ToArray();
        }, [-extent, -extent, -extent], [extent, extent, extent], resolution, 65536);
    }

    /// <summary>The displacement δ(x) at the mesh vertices (zero for a model without one, i.e. stage 1).</summary>
    public static float[] Displacement(HeadModel model, int identity, DMesh mesh)
    {
        if (mesh.VertexCount == 0) return [];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var code = Code(model, identity);
        var p = tensor(mesh.Vertices, [mesh.VertexCount, 3]).to(code.device);
        return model.DisplacementValues(p, code).reshape(-1).cpu().data<float>().ToArray();
    }

    // ---------------------------------------------------------------- rendering and evaluation

    /// <summary>Renders one view of a dataset (downscaled to maxSide) and compares it with the image.</summary>
    public static ViewEvaluation EvaluateView(HeadModel model, ITrainingData data, int view, int maxSide, string? label = null)
    {
        var px = data.AllPixels(view, model.Background.device, maxSide);
        var r = ImageRenderer.Render(model, px.Batch, px.Height, px.Width, 4096);
        var gt = px.RgbArray();
        return new ViewEvaluation(label ?? data.ViewLabel(view), px.Height, px.Width, r.Rgb, gt, r.Normals,
            ImageMetrics.Psnr(r.Rgb, gt, px.Height, px.Width), ImageMetrics.Ssim(r.Rgb, gt, px.Height, px.Width));
    }

    /// <summary>Held-out views of a one-person configuration's identity (dataset.scan_id): every image of its folder that the
    /// training split (the N-view JSON) does not use (<see cref="Evaluation.HeldOutViews"/>).</summary>
    public static DatasetTrainingData HeldOutViews(Config.HeadConf trainingConf)
    {
        var train = DatasetLoader.Load(trainingConf.Dataset, trainingConf.Train.Seed);
        int identity = train.IdentityNames.ToList().IndexOf(trainingConf.Dataset.ScanId);
        if (identity < 0) throw new ArgumentException($"dataset.scan_id {trainingConf.Dataset.ScanId}: held-out views are those of one person (a stage-2 or fine-tuning configuration)");
        return new DatasetTrainingData(Evaluation.HeldOutViews.Select(trainingConf, train, identity)
            ?? throw new InvalidOperationException("no held-out view: the training split uses every image"));
    }

    /// <summary>Chamfer/F-score of a model-frame reconstruction against a ground truth in dataset units.</summary>
    public static MeshComparison CompareWithGroundTruth(DMesh modelFrameMesh, DMesh groundTruth, double worldToDatasetScale, int samples, double[] thresholds) =>
        MeshMetrics.Compare(modelFrameMesh.Transformed(worldToDatasetScale, (0, 0, 0)), groundTruth, samples, thresholds, seed: 0, unitsToMm: null);

    // ---------------------------------------------------------------- notebook-sized conveniences

    /// <summary>|Δx| of every identity on the three planes through the origin, as one heat-map grid, with Δx's in-plane
    /// part drawn as arrows at true length on a <paramref name="arrowsPerAxis"/>² grid (where a point moves, not just how far).</summary>
    public static GenericChart DeformationSlicesChart(HeadModel model, IReadOnlyList<string> identities, int resolution, double extent, int arrowsPerAxis = 11)
    {
        var panels = new List<(string, float[], int, double, double, (string, string))>();
        var fields = new List<(float[] X, float[] Y, float[] U, float[] V)>();
        for (int i = 0; i < identities.Count; i++)
            foreach (var plane in new[] { SlicePlane.XY, SlicePlane.XZ, SlicePlane.YZ })
            {
                var s = DeformationMagnitudeSlice(model, i, plane, resolution, extent);
                panels.Add(($"{identities[i]} |Δx| {plane}", s.Values, s.Resolution, s.Min, s.Max, Plots.AxisNames(plane)));
                fields.Add(InPlaneOffsets(model, i, plane, arrowsPerAxis, extent));
            }
        double max = Math.Max(1e-9, panels.Max(p => p.Item2.Max()));
        // True length unless the longest arrow would overrun its grid cell; then one common factor for every panel.
        double cell = 0.9 * 2 * extent / (arrowsPerAxis - 1);
        double longest = fields.SelectMany(f => f.U.Zip(f.V, (u, v) => Math.Sqrt(u * u + v * v))).DefaultIfEmpty(0).Max();
        double k = longest > cell ? cell / longest : 1.0;
        string scale = k == 1.0 ? "true length" : System.FormattableString.Invariant($"drawn ×{k:G2}");
        return Plots.HeatmapGrid($"deformation on slices: |Δx| (colour) and its in-plane part (arrows, {scale})", panels, 3, "Viridis", 0, max,
            zeroContour: false, overlay: i => [Plots.Arrows2D(fields[i].X, fields[i].Y, [.. fields[i].U.Select(u => (float)(k * u))], [.. fields[i].V.Select(v => (float)(k * v))], "Δx (in plane)")]);
    }

    /// <summary>Δx's components along a slice plane's two axes at grid points inside the plane's inner 90 %.</summary>
    static (float[] X, float[] Y, float[] U, float[] V) InPlaneOffsets(HeadModel model, int identity, SlicePlane plane, int perAxis, double extent)
    {
        var (a, b) = plane switch { SlicePlane.XY => (0, 1), SlicePlane.XZ => (0, 2), _ => (1, 2) };
        var pts = new float[3 * perAxis * perAxis];
        var xs = new float[perAxis * perAxis]; var ys = new float[perAxis * perAxis];
        for (int r = 0; r < perAxis; r++)
            for (int c = 0; c < perAxis; c++)
            {
                int k = r * perAxis + c;
                xs[k] = (float)(0.9 * extent * (2.0 * c / (perAxis - 1) - 1));
                ys[k] = (float)(0.9 * extent * (2.0 * r / (perAxis - 1) - 1));
                pts[3 * k + a] = xs[k]; pts[3 * k + b] = ys[k];
            }
        var d = Offsets(model, identity, pts);
        var u = new float[xs.Length]; var v = new float[xs.Length];
        for (int k = 0; k < xs.Length; k++) { u[k] = d[3 * k + a]; v[k] = d[3 * k + b]; }
        return (xs, ys, u, v);
    }

    /// <summary>
    /// The composed SDF of an identity on planes parallel to <paramref name="plane"/>, one slider step per offset along
    /// the plane's normal: walk through the head without a kernel round trip.
    /// </summary>
    public static FramedChart SliceOffsetSlider(HeadModel model, int identity, string label, SlicePlane plane, int resolution, double extent, int steps = 9)
    {
        var offsets = Enumerable.Range(0, steps).Select(k => Math.Round(-0.8 * extent + 1.6 * extent * k / (steps - 1), 3)).ToArray();
        var slices = offsets.Select(o => SdfSlice.Evaluate(model, identity, plane, resolution, -extent, extent, o)).ToList();
        double range = slices.Max(s => s.Values.Max(v => Math.Abs(v)));
        string normal = plane switch { SlicePlane.XY => "z", SlicePlane.XZ => "y", _ => "x" };
        return Plots.HeatmapSlider($"{label}: SDF on {plane} planes<br><sub>black: the surface</sub>",
            [.. offsets.Select((o, k) => (System.FormattableString.Invariant($"{normal} = {o:0.###}"), slices[k].Values))], resolution, -extent, extent, Plots.AxisNames(plane),
            "plane at", "RdBu", -range, range, zeroContour: true, active: steps / 2);
    }

    /// <summary>
    /// The SDF of the interpolated shape code (1 − t)·code(a) + t·code(b) on a plane through the origin, one slider step
    /// per t; the two identities' own surfaces stay drawn (dashed: a, dotted: b), so the slider shows one head turning into the other.
    /// </summary>
    public static FramedChart InterpolationSlider(HeadModel model, int a, int b, string labelA, string labelB, SlicePlane plane, int resolution, double extent, int steps = 9)
    {
        var ts = Enumerable.Range(0, steps).Select(k => (double)k / (steps - 1)).ToArray();
        var slices = ts.Select(t =>
        {
            var code = InterpolatedCode(model, a, b, t);
            using var _ = no_grad();
            return SdfSlice.Evaluate(p => model.SdfValues(p.to(code.device), code), plane, resolution, -extent, extent);
        }).ToList();
        double range = slices.Max(s => s.Values.Max(v => Math.Abs(v)));
        return Plots.HeatmapSlider($"{labelA} → {labelB}, {plane} slice<br><sub>dashed: {labelA}, dotted: {labelB}</sub>",
            [.. ts.Select((t, k) => (System.FormattableString.Invariant($"t = {t:0.###}"), slices[k].Values))], resolution, -extent, extent, Plots.AxisNames(plane),
            "", "RdBu", -range, range, zeroContour: true,
            overlay: [Plots.ZeroContour(slices[0].Values, resolution, -extent, extent, labelA, "black", "dash"),
                Plots.ZeroContour(slices[^1].Values, resolution, -extent, extent, labelB, "black", "dot")]);
    }

    /// <summary>
    /// How much the identities' deformations differ, measured at points of a surface (up to 3000 of its vertices):
    /// the mean |Δx| of each identity, the length of each one's mean Δx (a shift shared by every point), and the mean
    /// |Δx_a − Δx_b| over every pair. Pairs that differ by little next to |Δx| learned one common motion, not identities.
    /// </summary>
    public static DeformationSpread Spread(HeadModel model, int identities, DMesh surface)
    {
        int n = surface.VertexCount, step = Math.Max(1, n / 3000);
        var pts = Enumerable.Range(0, n / step).SelectMany(k => new[] { surface.Vertices[3 * k * step], surface.Vertices[3 * k * step + 1], surface.Vertices[3 * k * step + 2] }).ToArray();
        int m = pts.Length / 3;
        // No surface yet (a run too short to have one): nothing to measure.
        if (m == 0) return new DeformationSpread([.. Enumerable.Repeat(double.NaN, identities)], [.. Enumerable.Repeat(double.NaN, identities)], double.NaN, 0);
        var offsets = Enumerable.Range(0, identities).Select(i => Offsets(model, i, pts)).ToList();
        static double Norm(float[] d, int k) => Math.Sqrt(d[3 * k] * d[3 * k] + d[3 * k + 1] * d[3 * k + 1] + d[3 * k + 2] * d[3 * k + 2]);
        var magnitude = offsets.Select(d => Enumerable.Range(0, m).Average(k => Norm(d, k))).ToList();
        var shift = offsets.Select(d =>
        {
            double x = 0, y = 0, z = 0;
            for (int k = 0; k < m; k++) { x += d[3 * k]; y += d[3 * k + 1]; z += d[3 * k + 2]; }
            return Math.Sqrt(x * x + y * y + z * z) / m;
        }).ToList();
        var pairs = new List<double>();
        for (int a = 0; a < identities; a++)
            for (int b = a + 1; b < identities; b++)
            {
                var diff = new float[pts.Length];
                for (int k = 0; k < pts.Length; k++) diff[k] = offsets[a][k] - offsets[b][k];
                pairs.Add(Enumerable.Range(0, m).Average(k => Norm(diff, k)));
            }
        return new DeformationSpread(magnitude, shift, pairs.Count > 0 ? pairs.Average() : 0, m);
    }

    /// <summary>Meshes side by side without colours.</summary>
    public static GenericChart MeshPanels(string title, IEnumerable<(string Label, DMesh Mesh)> meshes) =>
        Plots.MeshGrid(title, meshes.Select(m => (m.Label, m.Mesh, (byte[]?)null, (float[]?)null)).ToList());

    /// <summary>Chamfer/F-score against ground truth, or null when the mesh is empty (no zero crossing yet) or there is no ground truth.</summary>
    public static MeshComparison? TryCompare(DMesh modelFrameMesh, DMesh? groundTruth, double worldToDatasetScale, int samples, double[] thresholds) =>
        modelFrameMesh.VertexCount == 0 || modelFrameMesh.FaceCount == 0 || groundTruth is null ? null
            : CompareWithGroundTruth(modelFrameMesh, groundTruth, worldToDatasetScale, samples, thresholds);

    /// <summary>The embedding row of an identity in a run's model (its id list order, plus an appended fine-tuning id).</summary>
    public static int IdentityIndex(Config.HeadConf conf, string identity)
    {
        var ds = DatasetLoader.Load(conf.Dataset, conf.Train.Seed);
        int i = ds.IdentityNames.ToList().IndexOf(identity);
        return i >= 0 ? i : throw new ArgumentException($"identity {identity} is not in the run's identity list ({string.Join(", ", ds.IdentityNames)})");
    }
}

/// <summary>What <see cref="NotebookTools.Spread"/> measured: per identity mean |Δx| and |mean Δx|, and the mean pairwise |Δx_a − Δx_b|.</summary>
public sealed record DeformationSpread(IReadOnlyList<double> Magnitude, IReadOnlyList<double> Shift, double PairwiseDifference, int Points)
{
    /// <summary>The pairwise difference against the mean |Δx|: near 0, the identities share one motion; near or above 1, each moves its own way.</summary>
    public double Ratio => PairwiseDifference / Math.Max(1e-12, Magnitude.Average());

    public override string ToString() => System.FormattableString.Invariant(
        $"over {Points} surface points: mean |Δx| {Magnitude.Average():G3} (per identity {string.Join(", ", Magnitude.Select(v => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))}), of which a shared shift |mean Δx| {Shift.Average():G3}; identities differ from each other by {PairwiseDifference:G3} on average ({Ratio:P0} of |Δx|)");
}

/// <summary>One row of measured results: what was run, with which settings, and what it scored on one identity.</summary>
public sealed record RunResult(string Experiment, string Settings, string Run, int Iterations, double TrainSeconds, int MeshVertices,
    double? ChamferDataset, double? FScore, double HeldOutPsnr, double HeldOutSsim, double TrainPsnr);

/// <summary>Measures trained runs the same way for the comparison notebook (07).</summary>
public static class RunEvaluation
{
    /// <summary>Meshes the run's model for <paramref name="identity"/>, compares with ground truth (Chamfer in dataset units, F-score at
    /// <paramref name="threshold"/>) and renders up to <paramref name="heldOutViews"/> held-out views of that identity.</summary>
    public static RunResult Evaluate(NotebookWorkspace ws, string experiment, string settings, string runDir, string identity,
        int heldOutViews = 2, double threshold = 0.1)
    {
        using var run = ws.LoadRun(runDir);
        int index = run.IdentityIndex(identity);
        double extent = run.Conf.Plot.GridBoundary[^1];
        var mesh = ModelMesher.Extract(run.Model, index, -extent, extent, ws.Profile.MeshResolution);
        var cmp = NotebookTools.TryCompare(mesh, ws.GroundTruth(identity), run.Dataset.WorldToDatasetScale, ws.Profile.EvalSamples, [threshold]);
        var held = Evaluation.HeldOutViews.Select(run.Conf, run.Dataset, index);
        var evals = held is null ? new List<ViewEvaluation>()
            : Evaluation.HeldOutViews.Spread(held.Views.Count, heldOutViews).Select(v => NotebookTools.EvaluateView(run.Model, new DatasetTrainingData(held), v, ws.Profile.RenderMaxSide)).ToList();
        var rows = MetricsLog.Rows(run.Folder.MetricsFile);
        double trainPsnr = rows.Count == 0 ? double.NaN : rows.Skip(Math.Max(0, rows.Count - 5)).Average(r => r.GetValueOrDefault("psnr"));
        int iterations = rows.Count == 0 ? 0 : (int)rows[^1].GetValueOrDefault("iteration");
        return new RunResult(experiment, settings, Path.GetFileName(runDir), iterations, Math.Round(MetricsLog.TrainingSeconds(run.Folder.MetricsFile), 1), mesh.VertexCount,
            cmp?.Chamfer, cmp?.FScores[0].F, evals.Count == 0 ? double.NaN : evals.Average(e => e.Psnr), evals.Count == 0 ? double.NaN : evals.Average(e => e.Ssim), trainPsnr);
    }
}
