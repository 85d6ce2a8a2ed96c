using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Tests.Config;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>
/// model.sdf_gradient = "numerical": the central-difference helper on known functions, agreement with the analytic
/// (autograd) gradients of the same weights, a first-order training step, and the conf check.
/// </summary>
public class NumericalGradientTests(ITestOutputHelper output)
{
    static NumericalGradientTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    // ---- the helper on functions with known gradients -------------------------------------------------------------

    [Fact]
    public void StencilIsCentreThenPlusMinusEachAxis()
    {
        var x = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var s = NumericalGradient.Stencil(x, 0.5).reshape(7, 2, 3);
        Assert.True(s[0].eq(x).all().item<bool>());
        for (int i = 0; i < 3; i++)
        {
            var e = zeros(1, 3); e[0, i] = tensor(0.5f);
            Assert.True(s[1 + 2 * i].eq(x + e).all().item<bool>(), $"+h·e{i}");
            Assert.True(s[2 + 2 * i].eq(x - e).all().item<bool>(), $"−h·e{i}");
        }
        Assert.True(NumericalGradient.Centre(s.reshape(-1, 3)).eq(x).all().item<bool>());
    }

    /// <summary>Sphere SDF ‖x‖ − r: ∇ = x/‖x‖. Truncation error h²·|f'''| ~ h²/‖x‖² ≤ 1e-6/0.04 and float32 rounding
    /// ~ ulp(‖x‖)/2h ≈ 6e-8/2e-3 = 3e-5 per component: 2e-4 is tight, a wrong sign or factor 2 is off by ≥ 0.5.</summary>
    [Fact]
    public void SphereSdfGradientIsTheUnitRadialDirection()
    {
        manual_seed(1);
        var x = (rand(1000, 3) - 0.5f) * 1.6f;
        x = x[x.norm(1, false, 2) > 0.2f];
        var g = NumericalGradient.Gradient(p => p.norm(1, true, 2) - 0.3f, x, 1e-3);
        Assert.Equal([x.shape[0], 3], g.shape);
        TestSupport.AssertClose(x / x.norm(1, true, 2), g, 2e-4, what: "∇(‖x‖ − r)");
    }

    /// <summary>A multi-channel field gives ∇ of the channel sum (as autograd.grad with ones grad_outputs):
    /// f = [x₀², x₁·x₂, 3x₀ + x₂³] → ∇Σf = [2x₀ + 3, x₂, x₁ + 3x₂²]; distinct per axis, so an axis mix-up fails.</summary>
    [Fact]
    public void MultiChannelFieldGivesTheGradientOfTheChannelSum()
    {
        manual_seed(2);
        var x = rand(500, 3) * 2 - 1;
        static Tensor F(Tensor p)
        {
            var (a, b, c) = (p.narrow(1, 0, 1), p.narrow(1, 1, 1), p.narrow(1, 2, 1));
            return cat([a * a, b * c, 3 * a + c.pow(3)], 1);
        }
        var g = NumericalGradient.Gradient(F, x, 1e-3);
        var (x0, x1, x2) = (x.narrow(1, 0, 1), x.narrow(1, 1, 1), x.narrow(1, 2, 1));
        var expected = cat([2 * x0 + 3, x2, x1 + 3 * x2 * x2], 1);
        // f''' ≤ 6 for x₂³: truncation h²·6/6 = 1e-6; rounding ≈ ulp(4)/2h ≈ 2e-4.
        TestSupport.AssertClose(expected, g, 1e-3, what: "∇Σf");
    }

    // ---- numerical vs analytic on the quickstart models ----------------------------------------------------------

    /// <summary>
    /// The quickstart model of <paramref name="file"/> twice, with the same weights: sdf_gradient "analytic" and
    /// "numerical" (step <paramref name="h"/>). The freshly initialised template is a sphere, so the weights are
    /// perturbed (seeded) to give every field a less trivial x-dependence.
    /// </summary>
    static (HeadModel Analytic, HeadModel Numerical) Pair(string file, double h = 1e-3, params string[] overrides)
    {
        HeadModel Build(string mode) => ModelFactory.Create(ConfLoader.Load(ConfFilesTests.ConfPath(file),
            [.. overrides, $"model.sdf_gradient=\"{mode}\"", $"model.numerical_gradient_step={h.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"]).Model);
        manual_seed(11);
        var analytic = Build("analytic");
        using (no_grad())
        {
            foreach (var p in analytic.parameters())
                p.add_(randn_like(p) * (0.05 * (p.abs().mean().item<float>() + 1e-3)));
        }
        var numerical = Build("numerical");
        numerical.load_state_dict(analytic.state_dict());
        Assert.False(analytic.NumericalSdfGradient);
        Assert.True(numerical.NumericalSdfGradient);
        Assert.Equal(h, numerical.Options.NumericalGradientStep);
        return (analytic, numerical);
    }

    /// <summary>‖num − ana‖_F / ‖ana‖_F over all points.</summary>
    static double RelativeError(Tensor analytic, Tensor numerical)
    {
        var a = analytic.detach().to(float64);
        var n = numerical.detach().to(float64);
        return (n - a).norm().item<double>() / a.norm().item<double>();
    }

    /// <summary>Per point ‖num − ana‖ / mean‖ana‖.</summary>
    static Tensor PointErrors(Tensor analytic, Tensor numerical)
    {
        var a = analytic.detach().to(float64);
        var n = numerical.detach().to(float64);
        return (n - a).norm(1, false, 2) / a.norm(1, false, 2).mean();
    }

    /// <summary>Median over points of |‖num‖ − ‖ana‖| / mean‖ana‖: what the eikonal term sees.</summary>
    static double NormError(Tensor analytic, Tensor numerical)
    {
        var a = analytic.detach().to(float64).norm(1, false, 2);
        var n = numerical.detach().to(float64).norm(1, false, 2);
        return ((n - a).abs() / a.mean()).median().item<double>();
    }

    static List<(string Name, Tensor A, Tensor N)> GradientPairs(GeometrySample a, GeometrySample n)
    {
        var pairs = new List<(string, Tensor, Tensor)> { ("∇s₁", a.GradTheta, n.GradTheta), ("normals", a.Normals, n.Normals), ("∇ΣΔx", a.GradDeform!, n.GradDeform!) };
        if (a.DeltaSdfGrad is not null) pairs.Add(("∇δ", a.DeltaSdfGrad, n.DeltaSdfGrad!));
        return pairs;
    }

    /// <summary>The analytic and numerical geometry (training mode) of 512 points in the ±0.6 box, identity 1.</summary>
    static (GeometrySample A, GeometrySample N) Evaluate(HeadModel ana, HeadModel num, bool sceneClamp, ScalarType dtype)
    {
        ana.train(); num.train();
        manual_seed(12);
        var x = ((rand(512, 3) - 0.5f) * 1.2f).to(dtype);
        var code = ana.IdShapeEmbedding.forward(tensor(new long[] { 1 })).detach();
        if (sceneClamp)
        {
            var clamped = (20 * (0.5 - x.norm(1, true, 2)) < ana.DeformTempGeoNetwork.Evaluate(x, code).Sdf).sum().item<long>();
            Assert.True(clamped > 20, $"the scene clamp should be active somewhere ({clamped} points)");
        }
        var a = ana.EvaluateGeometry(x, code, training: true);
        var n = num.EvaluateGeometry(x, code, training: true);
        // Centre values: the same function on the same points (only the batch size differs).
        TestSupport.AssertClose(a.Sdf, n.Sdf, 1e-5, what: "sdf");
        TestSupport.AssertClose(a.DeltaX, n.DeltaX, 1e-5, what: "Δx");
        TestSupport.AssertClose(a.Features, n.Features, 1e-4, what: "features");
        foreach (var (name, ga, gn) in GradientPairs(a, n))
        {
            Assert.Equal(ga.shape, gn.shape);
            Assert.True(ga.detach().to(float64).norm(1, false, 2).mean().item<double>() > 0.1, $"{name}: the analytic gradient is ~0, the comparison would be meaningless");
        }
        return (a, n);
    }

    // sceneClamp: a dark background enables the clamp min(s₁, k·(R − ‖x‖)), k = 20; R = 0.5 makes it active on part of the box.
    static string[] ClampOverrides(bool sceneClamp) => sceneClamp ? ["model.white_bkgd=False", "model.scene_bounding_sphere=0.5"] : [];

    /// <summary>
    /// The implementation itself, free of step-size effects: both models in float64 and h = 1e-6. Where the fields are
    /// smooth at scale h the only differences are truncation h²·|f'''| (~1e-8 even with the β = 100 softplus template)
    /// and rounding ulp(1)/2h ≈ 1e-10, so the median per-point error must be below 1e-6 (measured ~3e-9). The
    /// deformation and displacement MLPs are ReLU: their ∇ₓ jumps at each unit's kink, and a point whose ±h segment
    /// straddles a kink (or the min() of the scene clamp) gets an O(0.1) error; at h = 1e-6 that is under 1 % of the
    /// points (measured ≤ 2 % with an error > 1e-4), allowed up to 5 %. A wrong sign, factor, axis or clamp order breaks every point.
    /// </summary>
    [Theory]
    [InlineData("quickstart_st1.conf", false)]
    [InlineData("quickstart_st2.conf", false)]
    [InlineData("quickstart_st1.conf", true)]
    [InlineData("quickstart_st2.conf", true)]
    public void NumericalGradientsEqualAnalyticOnesInFloat64WithATinyStep(string file, bool sceneClamp)
    {
        var (ana, num) = Pair(file, 1e-6, ClampOverrides(sceneClamp));
        ana.to(float64); num.to(float64);
        var (a, n) = Evaluate(ana, num, sceneClamp, float64);
        foreach (var (name, ga, gn) in GradientPairs(a, n))
        {
            var e = PointErrors(ga, gn);
            double median = e.median().item<double>();
            double kinked = (e > 1e-4).to(float64).mean().item<double>();
            output.WriteLine($"{file} clamp={sceneClamp} {name}: median point error {median:E2}, {kinked:P1} of points > 1e-4");
            Assert.True(median < 1e-6, $"{name}: median point error {median:E3}");
            Assert.True(kinked < 0.05, $"{name}: {kinked:P1} of points have an error > 1e-4");
        }
    }

    /// <summary>
    /// At the configured h = 1e-3 in float32, tolerances on ‖num − ana‖_F / ‖ana‖_F per gradient. Rounding alone is
    /// ~ (a few ulp of the O(1) outputs)/2h ≈ 1e-6/2e-3 = 5e-4 (float64 gives the same errors at this h); the rest is
    /// the ReLU kinks above: with positional encodings of up to 2⁵ (γ₆) and 2⁷ (γ₈, displacement) rad per unit, most
    /// ±1e-3 segments straddle a kink of some unit, so the difference quotient is a gradient smoothed at scale h.
    /// Measured: ∇s₁ 1.9e-2 (2.3e-2 with the scene clamp), ∇ΣΔx 6.6e-2, ∇δ 1.04e-1, stage-2 normals 8.0e-2;
    /// tolerances ≈ 2× that (0.05, 0.15, 0.2, 0.15). The eikonal term only sees ‖∇s₁‖: median |‖num‖ − ‖ana‖| measured
    /// 4e-3, allowed 1e-2. A wrong sign gives ≈ 2 and a factor 2 gives 1 or 0.5: above every tolerance (asserted too,
    /// as a guard of the test itself).
    /// </summary>
    [Theory]
    [InlineData("quickstart_st1.conf", false)]
    [InlineData("quickstart_st2.conf", false)]
    [InlineData("quickstart_st1.conf", true)]
    [InlineData("quickstart_st2.conf", true)]
    public void NumericalGradientsMatchAnalyticOnesAtTheConfiguredStep(string file, bool sceneClamp)
    {
        var (ana, num) = Pair(file, 1e-3, ClampOverrides(sceneClamp));
        var (a, n) = Evaluate(ana, num, sceneClamp, float32);
        foreach (var (name, ga, gn) in GradientPairs(a, n))
        {
            double tolerance = name switch { "∇s₁" => 0.05, "∇δ" => 0.2, _ => 0.15 };
            double err = RelativeError(ga, gn);
            output.WriteLine($"{file} clamp={sceneClamp} {name}: relative error {err:E2}, median norm error {NormError(ga, gn):E2}");
            Assert.True(err < tolerance, $"{name}: relative error {err:E3} ≥ {tolerance}");
            Assert.True(RelativeError(ga, -gn) > 1.5 && RelativeError(ga, 2 * gn) > 0.8 && RelativeError(ga, gn / 2) > 0.4, $"{name}: the check must catch a sign or factor 2");
        }
        Assert.True(NormError(a.GradTheta, n.GradTheta) < 1e-2, $"‖∇s₁‖: median error {NormError(a.GradTheta, n.GradTheta):E3}");
    }

    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void EvalModeGivesTheSameNormalsWithoutAGraph(string file)
    {
        var (ana, num) = Pair(file);
        ana.eval(); num.eval();
        manual_seed(13);
        var x = (rand(256, 3) - 0.5f) * 1.2f;
        var code = ana.IdShapeEmbedding.forward(tensor(new long[] { 0 })).detach();
        GeometrySample a, n;
        using (enable_grad())
        {
            a = ana.EvaluateGeometry(x, code, training: false);
            n = num.EvaluateGeometry(x, code, training: false);
        }
        double err = RelativeError(a.Normals, n.Normals);
        Assert.True(err < 0.15, $"normals: {err:E3}"); // as at the configured step above
        Assert.False(n.Normals.requires_grad);
        Assert.False(n.Sdf.requires_grad);
        Assert.Null(n.GradDeform);
        TestSupport.AssertClose(a.Sdf, n.Sdf, 1e-5, what: "sdf");
    }

    // ---- training with numerical gradients -----------------------------------------------------------------------

    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void NumericalModeTakesAFirstOrderTrainingStep(string file)
    {
        var c = ConfLoader.Load(ConfFilesTests.ConfPath(file),
        [
            "model.sdf_gradient=\"numerical\"", "model.ray_sampler.N_samples=8", "model.ray_sampler.N_samples_eval=16",
            "model.ray_sampler.N_samples_extra=4",
        ]);
        manual_seed(14);
        using var model = ModelFactory.Create(c.Model);
        model.train();
        var loss = new HeadLoss(c.Loss);
        var opt = optim.Adam(model.parameters(), 5e-4);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var batch = global::HeadRecon.Benchmarks.TrainingBenchmark.SyntheticBatch(16, new Generator(3), CPU, imageSize: 64);
        var o = model.Render(batch);
        var terms = model.Loss(o, rand(1, 16, 3), loss);
        Assert.True(float.IsFinite(terms.Total.item<float>()));
        Assert.True(float.IsFinite(terms["eikonal_loss"].item<float>()) && terms["eikonal_loss"].item<float>() > 0);
        Assert.True(float.IsFinite(terms["deform_grad_loss"].item<float>()) && terms["deform_grad_loss"].item<float>() > 0);
        // The gradients are ordinary tensors of the forward graph (no autograd.grad): the sample points never needed
        // requires_grad, and one first-order backward reaches the geometry through them.
        Assert.False(o.Points.requires_grad);
        Assert.True(o.Geometry.GradTheta.requires_grad && o.Geometry.GradDeform!.requires_grad);
        opt.zero_grad();
        terms.Total.backward();
        opt.step();
        var after = model.parameters().ToList();
        int changed = before.Zip(after).Count(t => !t.First.allclose(t.Second.detach()));
        Assert.True(changed == after.Count, $"{changed} of {after.Count} parameter tensors changed");
        Assert.All(after, p => Assert.False(p.isnan().any().item<bool>()));
    }

    /// <summary>Like the analytic double-backward check: the eikonal, deformation-gradient and ∇δ terms alone reach every
    /// geometry parameter whose value changes ∇ₓ; with differences that includes the ReLU networks' biases.</summary>
    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void GradientTermsReachTheGeometryParametersFirstOrder(string file)
    {
        var (_, model) = Pair(file);
        model.train();
        manual_seed(15);
        var x = (rand(256, 3) - 0.5f) * 1.2f;
        var code = model.IdShapeEmbedding.forward(tensor(new long[] { 2 }));
        var geo = model.EvaluateGeometry(x, code, training: true);
        var eik = (geo.GradTheta.norm(1, false, 2) - 1).pow(2).mean();
        var defGrad = geo.GradDeform!.norm(1, false, 2).mean();
        model.zero_grad();
        (eik + defGrad + (geo.DeltaSdfGrad is { } d ? d.abs().mean() : zeros(1).squeeze())).backward();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!name.StartsWith("deform_temp_geo_network", StringComparison.Ordinal) && !name.StartsWith("displacement_network", StringComparison.Ordinal)) continue;
            if (IsOutputBias(model, name)) continue; // an output bias adds a constant: it cancels in every difference
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"no gradient reached {name}");
        }
        Assert.True(model.IdShapeEmbedding.weight!.grad!.abs().sum().item<float>() > 0);
    }

    /// <summary>Whether <paramref name="name"/> is the bias of its network's last layer (…linK.bias with the largest K).</summary>
    static bool IsOutputBias(HeadModel m, string name)
    {
        if (!name.EndsWith(".bias", StringComparison.Ordinal)) return false;
        int lin = name.LastIndexOf(".lin", StringComparison.Ordinal);
        string prefix = name[..(lin + 4)];
        int last = m.named_parameters().Select(p => p.name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Max(n => int.Parse(n[prefix.Length..n.IndexOf('.', prefix.Length)], System.Globalization.CultureInfo.InvariantCulture));
        return name == $"{prefix}{last}.bias";
    }

    // ---- configuration -------------------------------------------------------------------------------------------

    [Fact]
    public void UnknownSdfGradientModeIsAConfErrorNamingTheKey()
    {
        var e = Assert.Throws<ConfException>(() => ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"), ["model.sdf_gradient=\"foo\""]));
        Assert.Equal("model.sdf_gradient", e.Key);
        Assert.Contains("model.sdf_gradient", e.Message);
        Assert.Contains("foo", e.Message);
        Assert.Equal("numerical", ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"), ["model.sdf_gradient=\"numerical\""]).Model.SdfGradient);
        Assert.Equal("analytic", ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf")).Model.SdfGradient);
    }
}
