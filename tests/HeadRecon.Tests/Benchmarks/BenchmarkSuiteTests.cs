using System.Text.Json;
using HeadRecon.Benchmarks;
using HeadRecon.Config;
using HeadRecon.Tests.Config;
using Xunit;

namespace HeadRecon.Tests.Benchmarks;

/// <summary>The bench plumbing: case selection, that tiny cases run, and the JSON line shape. No timing assertions.</summary>
public class BenchmarkSuiteTests
{
    static BenchmarkSuiteTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    /// <summary>The quickstart configuration shrunk to a few seconds' worth of work.</summary>
    internal static HeadConf Tiny(string file) => ConfLoader.Load(ConfFilesTests.ConfPath(file),
    [
        "model.num_identity=3",
        "model.deformTempGeo_network.deform_network.dims=[16, 16]",
        "model.deformTempGeo_network.deform_network.deform_feature_dim=4",
        "model.deformTempGeo_network.implicit_network.dims=[48, 48, 48]",
        "model.deformTempGeo_network.implicit_network.skip_in=[2]",
        "model.template_feature_dim=4",
        "model.dim_identity_shape=4",
        "model.dim_identity_color=4",
        "model.rendering_network.dims=[16]",
        "model.displacement_network.dims=[16, 16]",
        "model.ray_sampler.N_samples=8",
        "model.ray_sampler.N_samples_eval=16",
        "model.ray_sampler.N_samples_extra=4",
        "train.split_n_pixels=32",
    ]);

    [Fact]
    public void CaseGroupsExpand()
    {
        Assert.Equal(["st1-1024", "st1-256"], BenchmarkSuite.Resolve(["st1"], quick: false));
        Assert.Equal(BenchmarkSuite.QuickCases, BenchmarkSuite.Resolve([], quick: true));
        Assert.Equal(BenchmarkSuite.DefaultCases, BenchmarkSuite.Resolve([], quick: false));
        Assert.Equal(["mc-128", "qs-st1"], BenchmarkSuite.Resolve(["mc-128,qs-st1", "mc-128"], quick: false));
        Assert.Equal(BenchmarkSuite.AllCases, BenchmarkSuite.Resolve(["all"], quick: false));
        Assert.Throws<ArgumentException>(() => BenchmarkSuite.Resolve(["st3"], quick: false));
    }

    [Theory]
    [InlineData("quickstart_st1.conf", "stage1")]
    [InlineData("quickstart_st2.conf", "stage2")]
    public void TinyTrainingCaseRunsAndSerialises(string file, string stage)
    {
        var r = BenchmarkSuite.Train("tiny", file, Tiny(file), rays: 8, warmup: 1, iterations: 2, TorchSharp.torch.CPU, images: 3, gemmGflops: 100);
        Assert.Equal(stage, r.Stage);
        Assert.Equal(2, r.AllSeconds.Length);
        Assert.True(r.MedianSeconds > 0);
        Assert.True(r.SamplerSeconds + r.ForwardSeconds + r.BackwardSeconds + r.OptimizerSeconds <= r.AllSeconds.Max() * 1.0001);

        using var doc = JsonDocument.Parse(BenchmarkSuite.ToJson(r));
        var o = doc.RootElement;
        Assert.Equal("tiny", o.GetProperty("case").GetString());
        Assert.Equal("train", o.GetProperty("kind").GetString());
        Assert.Equal(stage, o.GetProperty("stage").GetString());
        Assert.Equal(8, o.GetProperty("rays").GetInt32());
        Assert.Equal(3, o.GetProperty("images").GetInt32());
        foreach (var key in new[] { "median_s", "sampler_s", "forward_s", "backward_s", "optimizer_s", "cpu_s", "load_avg", "peak_rss_mb" })
            Assert.Equal(JsonValueKind.Number, o.GetProperty(key).ValueKind);
        Assert.Equal(2, o.GetProperty("all_s").GetArrayLength());
        // The products were counted over the measured iterations (tens of kFLOP per point, hundreds of points per ray),
        // and the roofline is against the rate given.
        Assert.InRange(o.GetProperty("matmul_gflop").GetDouble(), 1e-4, 10);
        Assert.Equal(100, o.GetProperty("gemm_gflops").GetDouble());
        Assert.Equal(r.MatmulGigaflop!.Value / (100 * r.MedianSeconds), o.GetProperty("roofline").GetDouble(), 12);
    }

    [Fact]
    public void TinyRenderAndMeshCasesRun()
    {
        var c = Tiny("quickstart_st1.conf");
        var s = new BenchSettings { Warmup = 0, Iterations = 1 };
        var render = BenchmarkSuite.Render("render-tiny", "quickstart_st1.conf", c, 8, s, gemmGflops: 50);
        Assert.Equal("render", render.Kind);
        Assert.True(render.MatmulGigaflop > 0);
        Assert.Equal(render.MatmulGigaflop!.Value / (50 * render.MedianSeconds), render.Roofline!.Value, 12);
        Assert.Equal(64, render.Rays);
        Assert.Equal(8, render.Resolution);
        var mesh = BenchmarkSuite.Mesh("mc-tiny", "quickstart_st1.conf", c, 16, s);
        Assert.Equal("mesh", mesh.Kind);
        Assert.True(mesh.Vertices > 0, "the initial sphere should give a surface");

        // Render and mesh lines carry no training split (null fields are left out of the JSON).
        using var doc = JsonDocument.Parse(BenchmarkSuite.ToJson(mesh));
        Assert.False(doc.RootElement.TryGetProperty("sampler_s", out _));
        Assert.Equal(16, doc.RootElement.GetProperty("resolution").GetInt32());
    }

    [Fact]
    public void MachineLineNamesCpuAndThreads()
    {
        var m = MachineInfo.Current();
        using var doc = JsonDocument.Parse(BenchmarkSuite.ToJson(m));
        Assert.Equal("machine", doc.RootElement.GetProperty("case").GetString());
        Assert.True(doc.RootElement.GetProperty("cores").GetInt32() >= 1);
        Assert.True(doc.RootElement.GetProperty("threads").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("cpu").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("mkl").GetString()));
        Assert.True(BenchmarkSuite.PeakRssMegabytes() > 0);
    }

    [Fact]
    public void OverridesReachEveryLoadedConfigurationAndTheMachineLine()
    {
        // An invalid override fails at load: proof that the suite passes it to ConfLoader for each kind of case.
        string[] bad = ["model.sdf_gradient=\"foo\""];
        string dir = Path.GetDirectoryName(ConfFilesTests.ConfPath("face_st1.conf"))!;
        var s = new BenchSettings { ConfDir = dir, Overrides = bad, Warmup = 0, Iterations = 1 };
        foreach (var cases in new[] { "st1-256", "render-64-st1", "mc-128" })
        {
            var e = Assert.Throws<ConfException>(() => BenchmarkSuite.Run(s with { Cases = [cases] }, _ => { }));
            Assert.Equal("model.sdf_gradient", e.Key);
        }
        Assert.Throws<ConfException>(() => BenchmarkSuite.Run(s with { Conf = ConfFilesTests.ConfPath("quickstart_st1.conf") }, _ => { }));

        using var doc = JsonDocument.Parse(BenchmarkSuite.ToJson(MachineInfo.Current(), ["model.sdf_gradient=\"numerical\"", "train.seed=3"]));
        var o = doc.RootElement.GetProperty("overrides");
        Assert.Equal(2, o.GetArrayLength());
        Assert.Equal("model.sdf_gradient=\"numerical\"", o[0].GetString());
    }

    [Fact]
    public void GemmCaseReportsARate()
    {
        var r = BenchmarkSuite.Gemm("gemm", new BenchSettings { Warmup = 0, Iterations = 1 });
        Assert.Equal("gemm", r.Kind);
        Assert.True(r.GigaflopsPerSecond > 0 && r.MedianSeconds > 0);
        using var doc = JsonDocument.Parse(BenchmarkSuite.ToJson(r));
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("gflops").ValueKind);
    }
}

/// <summary>Optimisations of the eval path must not change what it renders.</summary>
public class EvalRenderEquivalenceTests
{
    static EvalRenderEquivalenceTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void ImageRendererMatchesPlainEvalRender(string file)
    {
        var c = ConfLoader.Load(ConfFilesTests.ConfPath(file),
        [
            "model.num_identity=2", "model.ray_sampler.N_samples=8", "model.ray_sampler.N_samples_eval=16", "model.ray_sampler.N_samples_extra=4",
        ]);
        TorchSharp.torch.manual_seed(5);
        using var m = HeadRecon.Models.ModelFactory.Create(c.Model);
        var batch = TrainingBenchmark.FullImageBatch(6, TorchSharp.torch.CPU);
        var img = HeadRecon.Models.ImageRenderer.Render(m, batch, 6, 6, chunk: 16);
        m.eval();
        var o = m.Render(batch);
        var rgb = o.RgbValues.detach().contiguous().data<float>().ToArray();
        var normals = o.NormalMap!.detach().contiguous().data<float>().ToArray();
        for (int i = 0; i < rgb.Length; i++) Assert.Equal(rgb[i], img.Rgb[i], 1e-5f);
        for (int i = 0; i < normals.Length; i++) Assert.Equal(normals[i], img.Normals[i], 1e-5f);
    }
}
