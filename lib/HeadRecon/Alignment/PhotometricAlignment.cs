using System.Globalization;
using System.Text.Json.Nodes;
using HeadRecon.Data;
using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Alignment;

/// <summary>Settings of <see cref="PhotometricAlignment"/>. Learning rates are per step of Adam: radians for the
/// rotation, template head radii for the translation, log units for the scale. The silhouette's width β starts at
/// BetaStart template head radii (a wide basin) and shrinks to BetaEnd radii.</summary>
/// <param name="Code">"zero" (the template ∘ deformation with the zero shape and colour codes), "mean" (the mean of the
/// embedding rows), or an identity index.</param>
public sealed record PhotometricAlignmentOptions(
    int Iterations = 300,
    int RaysPerStep = 512,
    double MaskWeight = 1.0,
    double RgbWeight = 0.5,
    double RotationLr = 0.01,
    double TranslationLr = 0.02,
    double ScaleLr = 0.01,
    double BetaStart = 0.05,
    double BetaEnd = 0.005,
    int Seed = 0,
    string Code = "zero",
    int LogEvery = 25);

/// <summary>The fitted dataset → template similarity, where it started and the loss before and after.</summary>
public sealed record PhotometricAlignmentResult(Similarity Transform, Similarity Initial, string InitialSource, double InitialLoss, double FinalLoss, int Iterations)
{
    public JsonObject Details() => new()
    {
        ["initial"] = Initial.ToJson(),
        ["initial_source"] = InitialSource,
        ["initial_loss"] = InitialLoss,
        ["final_loss"] = FinalLoss,
        ["iterations"] = Iterations,
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"photometric alignment: {Transform}; loss {InitialLoss:F4} → {FinalLoss:F4} over {Iterations} steps (start: {InitialSource})");
}

/// <summary>
/// Automatic scene → template alignment: the 7 degrees of freedom of a similarity (rotation ω, translation τ, log
/// scale λ) are optimised so that the FROZEN stage-1 geometry (template ∘ deformation with the zero or mean code)
/// rendered through the scene's cameras reproduces the scene's masks (binary cross-entropy on IDR's soft silhouette
/// σ(−min along the ray of the SDF / β), unbiased at any β) and colours (L1 on the volume rendering with the model's β,
/// stage-1 colour network, white background as the confs). Cameras are moved into the template frame by
/// x_T = exp(ω)·(s₀e^λ·R₀·x + t₀) + τ, a rotation about the template's origin (its head centre), so rotation and
/// translation do not fight. The sampler's depths are constants (as in VolSDF); gradients reach the pose through the
/// sample points and view directions. Start: a given alignment (e.g. from landmarks) or one from the rig — the
/// cameras' mean up vector is the template's +y, their mean position relative to where they look is its +z (the face),
/// and scale and offset match the masks' visual hull to the template's extent.
/// </summary>
public static class PhotometricAlignment
{
    /// <summary>Loads a stage-1 run (or the run holding a checkpoint) and fits it; the model is disposed afterwards.</summary>
    public static PhotometricAlignmentResult Fit(string templateRun, HeadDataset scene, PhotometricAlignmentOptions? options = null, Similarity? initial = null,
        Device? device = null, Action<string>? log = null)
    {
        string runDir = File.Exists(templateRun) ? Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(templateRun)))! : templateRun;
        var (_, conf, model, _) = TrainedRun.LoadModel(runDir, device);
        using (model) return Fit(model, conf.Plot.GridBoundary, scene, options, initial, log);
    }

    public static PhotometricAlignmentResult Fit(HeadModel model, IReadOnlyList<double> gridBoundary, HeadDataset scene, PhotometricAlignmentOptions? options = null,
        Similarity? initial = null, Action<string>? log = null)
    {
        var o = options ?? new PhotometricAlignmentOptions();
        if (o.Iterations < 0 || o.RaysPerStep < 1) throw new ArgumentException("iterations must be ≥ 0 and rays per step ≥ 1");
        bool hasMasks = scene.Views.All(v => v.Mask is not null);
        if (!hasMasks && o.RgbWeight <= 0) throw new DatasetException($"{scene.Source}: photometric alignment without colours needs masks for every view");
        bool useRgb = o.RgbWeight > 0 && model.ColorFromTemplateFeatures;
        if (o.RgbWeight > 0 && !useRgb) log?.Invoke($"colour term off: the {model.Stage} model's colour network takes more than the template's features");
        var device = model.Background.device;
        var requires = model.parameters().Select(p => p.requires_grad).ToList();
        foreach (var p in model.parameters()) p.requires_grad = false;
        model.eval();
        try
        {
            var (shapeCode, colorCode) = model.Codes(o.Code);
            var extent = TemplateExtent(model, shapeCode, gridBoundary);
            double headRadius = 0.5 * Math.Max(extent.Max[1] - extent.Min[1], Math.Max(extent.Max[0] - extent.Min[0], extent.Max[2] - extent.Min[2]));
            double[] centre = [0.5 * (extent.Min[0] + extent.Max[0]), 0.5 * (extent.Min[1] + extent.Max[1]), 0.5 * (extent.Min[2] + extent.Max[2])];
            double diagonal = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(extent.Max[a] - extent.Min[a], 2)));
            var bound = (centre, 0.5 * diagonal * 1.25);
            string initSource = initial is null ? "the camera rig and the masks' visual hull" : "the given alignment";
            var start = initial ?? FromRig(scene, extent);

            double[] r0 = start.Rotation;
            var r0T = tensor(r0, [3, 3], float64, device);
            var t0T = tensor(start.Translation, float64, device);
            // Adam's step is ≈ lr in the parameter's own units: scaling each raw parameter sets its step size.
            var raw = new TorchSharp.Modules.Parameter(zeros(7, float64, device));
            var steps = tensor(new[] { o.RotationLr, o.RotationLr, o.RotationLr, o.TranslationLr * headRadius, o.TranslationLr * headRadius, o.TranslationLr * headRadius, o.ScaleLr }, float64, device);
            using var opt = optim.Adam([raw], lr: 1.0);
            var rng = new Random(o.Seed);
            double firstLoss = double.NaN, lastLoss = double.NaN;
            var window = new List<double>();
            for (int it = 0; it < o.Iterations; it++)
            {
                using var scope = NewDisposeScope();
                double frac = o.Iterations <= 1 ? 1 : (double)it / (o.Iterations - 1);
                // The silhouette's width shrinks geometrically from BetaStart to BetaEnd head radii over the first 70 % of the steps.
                double beta = headRadius * o.BetaStart * Math.Pow(o.BetaEnd / o.BetaStart, Math.Min(1, frac / 0.7));
                // Cosine decay of every step size to 10 %.
                foreach (var g in opt.ParamGroups) g.LearningRate = 0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * frac));
                int view = rng.Next(scene.Views.Count);
                var loss = Loss(model, scene, view, o, useRgb, hasMasks, rng, raw * steps, r0T, start.Scale, t0T, shapeCode, colorCode, beta, bound);
                opt.zero_grad();
                loss.backward();
                opt.step();
                double l = loss.item<float>();
                if (it == 0) firstLoss = l;
                window.Add(l);
                if (window.Count > 25) window.RemoveAt(0);
                lastLoss = window.Average();
                if (log is not null && ((it + 1) % Math.Max(1, o.LogEvery) == 0 || it == o.Iterations - 1))
                    log(string.Create(CultureInfo.InvariantCulture, $"align it {it + 1}/{o.Iterations}  loss {lastLoss:F4}  beta {beta:G3}  {Current(raw * steps, r0, start.Scale, start.Translation)}"));
            }
            using var final = (raw * steps).detach();
            var result = Current(final, r0, start.Scale, start.Translation);
            return new PhotometricAlignmentResult(result, start, initSource, firstLoss, lastLoss, o.Iterations);
        }
        finally
        {
            foreach (var (p, r) in model.parameters().Zip(requires)) p.requires_grad = r;
        }
    }

    /// <summary>The similarity for parameters (ω, τ, λ): x_T = exp(ω)·(s₀e^λ·R₀·x + t₀) + τ.</summary>
    static Similarity Current(Tensor p, double[] r0, double s0, double[] t0)
    {
        var v = p.detach().cpu().data<double>().ToArray();
        var m = Rotations.FromAxisAngle(v[0], v[1], v[2]);
        var t = Rotations.Apply(m, t0[0], t0[1], t0[2]);
        return new Similarity(s0 * Math.Exp(v[6]), Rotations.Multiply(m, r0), [t[0] + v[3], t[1] + v[4], t[2] + v[5]]);
    }

    static Tensor Loss(HeadModel model, HeadDataset scene, int viewIndex, PhotometricAlignmentOptions o, bool useRgb, bool hasMasks, Random rng,
        Tensor p, Tensor r0, double s0, Tensor t0, Tensor shapeCode, Tensor colorCode, double beta, (double[] Centre, double Radius) bound)
    {
        var device = p.device;
        var view = scene.Views[viewIndex];
        var px = scene.SamplePixels(rng, viewIndex, o.RaysPerStep);
        int n = px.Count;
        var (origin, dirs) = PinholeCamera.Compute(view, px.Uv);
        var oN = tensor(origin, float64, device);
        var dN = tensor(dirs, [n, 3], float64, device);
        var m = Exp(p.narrow(0, 0, 3));
        var s = s0 * p[6].exp();
        var oT = m.matmul(s * r0.matmul(oN) + t0) + p.narrow(0, 3, 3);
        var dT = dN.matmul(m.matmul(r0).t());
        var camLoc = oT.to(float32).unsqueeze(0).expand(n, 3);
        var rayDirs = dT.to(float32);
        var loss = zeros(1, float32, device).squeeze();
        if (hasMasks)
        {
            // IDR's silhouette: σ(−min_t s(o + t·d)/β). Its 0.5 level is the true silhouette whatever β, unlike the
            // volume-rendered opacity, whose blur grows the silhouette with β and biases the scale.
            var zMin = ClosestApproach(model, shapeCode, camLoc.detach(), rayDirs.detach(), bound);
            var closest = camLoc + zMin.unsqueeze(1) * rayDirs;
            var minSdf = model.ClampToSceneSphere(model.DeformTempGeoNetwork.Evaluate(closest, shapeCode).Sdf, closest).squeeze(1);
            var opacity = sigmoid(-minSdf / (float)beta).clamp(1e-4, 1 - 1e-4);
            var mask = new float[n];
            for (int i = 0; i < n; i++) mask[i] = view.Mask![(int)px.Uv[2 * i + 1] * view.Width + (int)px.Uv[2 * i]];
            var target = tensor(mask, device: device);
            var bce = -(target * opacity.log() + (1 - target) * (1 - opacity).log()).mean();
            loss = loss + (float)o.MaskWeight * bce;
        }
        if (useRgb)
        {
            // Colours as the model renders them (its own β): the sampler's depths, gradients through points and directions.
            var z = model.Sampler.Sample(rayDirs.detach(), camLoc.detach(), q => model.SdfValues(q, shapeCode), model.Density.GetBeta(), training: false).ZVals;
            long samples = z.shape[1];
            var points = (camLoc.unsqueeze(1) + z.unsqueeze(2) * rayDirs.unsqueeze(1)).reshape(-1, 3);
            var g = model.DeformTempGeoNetwork.Evaluate(points, shapeCode);
            var sdf = model.ClampToSceneSphere(g.Sdf, points);
            var weights = VolumeRenderer.Weights(z, model.Density.forward(sdf));
            var normals = autograd.grad([sdf], [points], [ones_like(sdf)], retain_graph: true, create_graph: true)[0];
            var dirsFlat = rayDirs.unsqueeze(1).expand(n, samples, 3).reshape(-1, 3);
            var features = cat([g.Features, colorCode.expand(points.shape[0], colorCode.shape[1])], 1);
            var rgb = VolumeRenderer.Composite(weights, model.Color.forward(points, normals, dirsFlat, features));
            if (model.Options.WhiteBkgd) rgb = VolumeRenderer.WithBackground(rgb, weights, model.Background.to(device));
            var gt = tensor(px.Rgb, [n, 3], device: device);
            loss = loss + (float)o.RgbWeight * (rgb - gt).abs().mean();
        }
        return loss;
    }

    /// <summary>
    /// Depth of each ray's lowest SDF inside the template's bounding sphere (no gradient): the best of 48 uniform
    /// samples, refined by 12 golden-section steps between its neighbours. Rays that miss the sphere get its nearest point.
    /// </summary>
    static Tensor ClosestApproach(HeadModel model, Tensor shapeCode, Tensor o, Tensor d, (double[] Centre, double Radius) bound)
    {
        using var noGrad = no_grad();
        const int Samples = 48;
        long n = o.shape[0];
        var c = tensor(bound.Centre.Select(v => (float)v).ToArray(), device: o.device);
        var tc = ((c - o) * d).sum(1);                                          // depth of the point nearest to the centre
        var miss2 = ((o + tc.unsqueeze(1) * d - c).pow(2)).sum(1);
        var half = (bound.Radius * bound.Radius - miss2).clamp_min(0).sqrt();
        var near = (tc - half).clamp_min(0);
        var far = (tc + half).clamp_min(1e-6);
        var steps = linspace(0, 1, Samples, device: o.device).unsqueeze(0);
        var z = near.unsqueeze(1) + (far - near).unsqueeze(1) * steps;           // (n, S)
        Tensor Sdf(Tensor depth) => model.SdfValues((o.unsqueeze(1) + depth.unsqueeze(2) * d.unsqueeze(1)).reshape(-1, 3), shapeCode).reshape(n, -1);
        var best = Sdf(z).argmin(1, keepdim: true);
        var dz = (far - near) / (Samples - 1);
        var lo = (z.gather(1, best).squeeze(1) - dz).maximum(near);
        var hi = (z.gather(1, best).squeeze(1) + dz).minimum(far);
        double g = (Math.Sqrt(5) - 1) / 2;
        for (int it = 0; it < 12; it++)
        {
            var a = hi - (float)g * (hi - lo);
            var b = lo + (float)g * (hi - lo);
            var f = Sdf(stack([a, b], 1));
            var left = f.narrow(1, 0, 1).squeeze(1) < f.narrow(1, 1, 1).squeeze(1);
            hi = where(left, b, hi);
            lo = where(left, lo, a);
        }
        return (0.5 * (lo + hi)).detach();
    }

    /// <summary>Rodrigues' exp map of ω (3,) as a 3×3 float64 tensor, smooth at ω = 0.</summary>
    static Tensor Exp(Tensor w)
    {
        var theta2 = (w * w).sum() + 1e-24;
        var theta = theta2.sqrt();
        var zero = w[0] * 0;
        var k = stack([zero, -w[2], w[1], w[2], zero, -w[0], -w[1], w[0], zero]).reshape(3, 3);
        var a = theta.sin() / theta;
        var b = (1 - theta.cos()) / theta2;
        return eye(3, dtype: float64, device: w.device) + a * k + b * k.matmul(k);
    }

    /// <summary>The axis-aligned box of the grid points where the template's SDF is negative (template frame).</summary>
    public static (double[] Min, double[] Max) TemplateExtent(HeadModel model, Tensor shapeCode, IReadOnlyList<double> boundary, int resolution = 40)
    {
        double lo = boundary[0], hi = boundary[1];
        var pts = new float[resolution * resolution * resolution * 3];
        int idx = 0;
        for (int i = 0; i < resolution; i++)
            for (int j = 0; j < resolution; j++)
                for (int k = 0; k < resolution; k++)
                {
                    pts[idx++] = (float)(lo + (hi - lo) * (i + 0.5) / resolution);
                    pts[idx++] = (float)(lo + (hi - lo) * (j + 0.5) / resolution);
                    pts[idx++] = (float)(lo + (hi - lo) * (k + 0.5) / resolution);
                }
        float[] sdf;
        using (no_grad())
        using (var scope = NewDisposeScope())
            sdf = model.SdfValues(tensor(pts, [pts.Length / 3, 3], device: shapeCode.device), shapeCode).cpu().data<float>().ToArray();
        double[] min = [double.MaxValue, double.MaxValue, double.MaxValue], max = [double.MinValue, double.MinValue, double.MinValue];
        for (int p = 0; p < sdf.Length; p++)
            if (sdf[p] < 0)
                for (int a = 0; a < 3; a++) { min[a] = Math.Min(min[a], pts[3 * p + a]); max[a] = Math.Max(max[a], pts[3 * p + a]); }
        if (min[0] > max[0]) throw new InvalidOperationException($"the template has no inside (SDF < 0) within plot.grid_boundary [{lo}, {hi}]");
        return (min, max);
    }

    /// <summary>
    /// A start from the rig: R₀ maps the cameras' mean up (−y) to +y and the direction from where they look towards
    /// their mean position to +z; scale and offset map the masks' visual hull (grid points inside every mask, from the
    /// views that see them) onto the template's extent: vertical extents equal, box centres equal.
    /// </summary>
    public static Similarity FromRig(HeadDataset scene, (double[] Min, double[] Max) template)
    {
        var c = PinholeCamera.ClosestPointToOpticalAxes(scene.Views.Select(v => v.CameraToWorld))
            ?? throw new DatasetException($"{scene.Source}: the optical axes do not meet; give an initial alignment (--init)");
        double[] up = [0, 0, 0], fwd = [0, 0, 0];
        foreach (var v in scene.Views)
        {
            var m = v.CameraToWorld;
            up[0] -= m[1]; up[1] -= m[5]; up[2] -= m[9];
            double[] d = [m[3] - c[0], m[7] - c[1], m[11] - c[2]];
            double n = Math.Sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            for (int a = 0; a < 3; a++) fwd[a] += d[a] / n;
        }
        up = Unit(up);
        double dot = up[0] * fwd[0] + up[1] * fwd[1] + up[2] * fwd[2];
        fwd = Unit([fwd[0] - dot * up[0], fwd[1] - dot * up[1], fwd[2] - dot * up[2]]);
        var right = LinearAlgebra.Cross(up, fwd);
        double[] r0 = [.. right, .. up, .. fwd];

        // Visual hull on a grid around the look-at point, as wide as the narrowest view's frustum there.
        double half = scene.Views.Min(v =>
        {
            double d = Math.Sqrt(Math.Pow(v.Center.X - c[0], 2) + Math.Pow(v.Center.Y - c[1], 2) + Math.Pow(v.Center.Z - c[2], 2));
            return d * Math.Min(v.Width, v.Height) / 2 / Math.Max(v.Fx, v.Fy);
        });
        const int Res = 48;
        double[] lo = [double.MaxValue, double.MaxValue, double.MaxValue], hi = [double.MinValue, double.MinValue, double.MinValue];
        int inside = 0;
        for (int i = 0; i < Res; i++)
            for (int j = 0; j < Res; j++)
                for (int k = 0; k < Res; k++)
                {
                    double a = -half + 2 * half * (i + 0.5) / Res, b = -half + 2 * half * (j + 0.5) / Res, e = -half + 2 * half * (k + 0.5) / Res;
                    double[] x = [c[0] + a * right[0] + b * up[0] + e * fwd[0], c[1] + a * right[1] + b * up[1] + e * fwd[1], c[2] + a * right[2] + b * up[2] + e * fwd[2]];
                    bool inAll = true, inFrame = true;
                    foreach (var v in scene.Views)
                    {
                        var (u, vv, depth) = PinholeCamera.Project(v, x[0], x[1], x[2]);
                        int col = (int)Math.Round(u), row = (int)Math.Round(vv);
                        if (depth <= 0 || col < 0 || row < 0 || col >= v.Width || row >= v.Height) { inFrame = false; continue; }
                        if (v.Mask is null || v.Mask[row * v.Width + col] < 0.5f) { inAll = false; break; }
                    }
                    // Points some view cannot see (out of its frame) are not evidence: only points framed by every view count.
                    if (!inAll || !inFrame) continue;
                    inside++;
                    double[] q = [a, b, e];
                    for (int t = 0; t < 3; t++) { lo[t] = Math.Min(lo[t], q[t]); hi[t] = Math.Max(hi[t], q[t]); }
                }
        if (inside < 8) throw new DatasetException($"{scene.Source}: the masks' visual hull is empty around where the cameras look; masks are needed to start the photometric alignment (or give --init)");
        double s0 = (template.Max[1] - template.Min[1]) / (hi[1] - lo[1]);
        double[] hullCentre = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0.5 * (lo[2] + hi[2])];
        double[] hullN = [c[0] + hullCentre[0] * right[0] + hullCentre[1] * up[0] + hullCentre[2] * fwd[0],
                          c[1] + hullCentre[0] * right[1] + hullCentre[1] * up[1] + hullCentre[2] * fwd[1],
                          c[2] + hullCentre[0] * right[2] + hullCentre[1] * up[2] + hullCentre[2] * fwd[2]];
        var rc = Rotations.Apply(r0, hullN[0], hullN[1], hullN[2]);
        double[] templateCentre = [0.5 * (template.Min[0] + template.Max[0]), 0.5 * (template.Min[1] + template.Max[1]), 0.5 * (template.Min[2] + template.Max[2])];
        return new Similarity(s0, r0, [templateCentre[0] - s0 * rc[0], templateCentre[1] - s0 * rc[1], templateCentre[2] - s0 * rc[2]]);
    }

    static double[] Unit(double[] v)
    {
        double n = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (!(n > 1e-12)) throw new DatasetException("the cameras' up vectors or positions cancel out; give an initial alignment (--init)");
        return [v[0] / n, v[1] / n, v[2] / n];
    }
}
