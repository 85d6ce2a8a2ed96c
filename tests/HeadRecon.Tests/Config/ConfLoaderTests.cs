using HeadRecon.Config;
using Xunit;

namespace HeadRecon.Tests.Config;

public class ConfLoaderTests
{
    static HeadConf P(string text, params string[] overrides) => ConfLoader.Parse(text, "t.conf", overrides);

    static ConfException Fails(string text, params string[] overrides) =>
        Assert.Throws<ConfException>(() => ConfLoader.Parse(text, "t.conf", overrides));

    [Fact]
    public void EmptyConf_GivesRecordDefaults()
    {
        var c = P("");
        Assert.Empty(ConfLoader.Differences(c, new HeadConf()));
    }

    [Fact]
    public void PartialSections_KeepTheOtherDefaults()
    {
        var c = P("model.ray_sampler { N_samples = 32 }\nmodel.deformTempGeo_network.implicit_network.bias = 0.5\ntrain { num_pixels = 512 }");
        Assert.Equal(32, c.Model.RaySampler.NSamples);
        Assert.Equal(128, c.Model.RaySampler.NSamplesEval);
        Assert.Equal(0.5, c.Model.DeformTempGeoNetwork.ImplicitNetwork.Bias);
        Assert.Equal([4], c.Model.DeformTempGeoNetwork.ImplicitNetwork.SkipIn);
        Assert.Equal(512, c.Train.NumPixels);
        Assert.Equal(5.0e-4, c.Train.LearningRate);
        var d = ConfLoader.Differences(c, new HeadConf());
        Assert.Equal(["train.num_pixels", "model.deformTempGeo_network.implicit_network.bias", "model.ray_sampler.N_samples"], d);
    }

    [Fact]
    public void BindsEveryValueKind()
    {
        var c = P("""
            train { learning_rate = 1e-3, nepochs = 2e4, freeze = [template, "codes"], redraw_pixels_every_iteration = False }
            plot.grid_boundary = [-1, 1.5]
            dataset { scan_id = 371, img_res = [64, 48], fine_tune_flag = true }
            model { white_bkgd = off, sdf_gradient = "numerical" }
            """);
        Assert.Equal(1e-3, c.Train.LearningRate);
        Assert.Equal(20000, c.Train.NEpochs);
        Assert.Equal(["template", "codes"], c.Train.Freeze);
        Assert.False(c.Train.RedrawPixelsEveryIteration);
        Assert.Equal([-1.0, 1.5], c.Plot.GridBoundary);
        Assert.Equal("371", c.Dataset.ScanId);
        Assert.Equal([64, 48], c.Dataset.ImgRes);
        Assert.True(c.Dataset.FineTuneFlag);
        Assert.False(c.Model.WhiteBkgd);
        Assert.Equal("numerical", c.Model.SdfGradient);
    }

    [Fact]
    public void Overrides_ApplyAfterTheFile()
    {
        var c = P("model { num_identity = 5 }", "model.num_identity=31", "train.freeze=[template]", "model.ray_sampler { eps = 0.2 }", "dataset.scan_id = 371");
        Assert.Equal(31, c.Model.NumIdentity);
        Assert.Equal(["template"], c.Train.Freeze);
        Assert.Equal(0.2, c.Model.RaySampler.Eps);
        Assert.Equal(64, c.Model.RaySampler.NSamples);
        Assert.Equal("371", c.Dataset.ScanId);
    }

    [Fact]
    public void Override_UnknownKey_FailsNamingKeyAndSuggestion()
    {
        var e = Fails("model { num_identity = 5 }", "model.num_identiy=3");
        Assert.Equal("--set model.num_identiy=3: model.num_identiy: unknown key; did you mean model.num_identity?", e.Message);
        Assert.Equal("model.num_identiy", e.Key);
    }

    [Fact]
    public void Override_SyntaxError_Fails()
    {
        var e = Fails("", "model.num_identity");
        Assert.StartsWith("--set model.num_identity: model.num_identity: expected '=', ':' or '{'", e.Message);
    }

    [Fact]
    public void UnknownKey_NamesFileLineFullKey_AndSuggestsClosest()
    {
        var e = Fails("train {\n  num_pixels = 1\n}\nmodel {\n  ray_sampler {\n    N_sample = 3\n  }\n}");
        Assert.Equal("t.conf:6: model.ray_sampler.N_sample: unknown key; did you mean model.ray_sampler.N_samples?", e.Message);
        Assert.Equal(6, e.Line);

        var e2 = Fails("\nbogus_section { a = 1 }");
        Assert.StartsWith("t.conf:2: bogus_section: unknown key", e2.Message);
    }

    [Theory]
    [InlineData("train {\n num_pixels = \"abc\"\n}", "t.conf:2: train.num_pixels: expected an integer, got \"abc\"")]
    [InlineData("train.num_pixels = 2.5", "t.conf:1: train.num_pixels: expected an integer, got 2.5")]
    [InlineData("model.deformTempGeo_network.deform_network.dims = 5", "t.conf:1: model.deformTempGeo_network.deform_network.dims: expected a list of integers like [a, b], got 5")]
    [InlineData("model.rendering_network.dims = [256, x]", "t.conf:1: model.rendering_network.dims[1]: expected an integer, got \"x\"")]
    [InlineData("\n\nmodel.white_bkgd = 1", "t.conf:3: model.white_bkgd: expected a boolean (true/false), got 1")]
    [InlineData("train.learning_rate = fast", "t.conf:1: train.learning_rate: expected a number, got \"fast\"")]
    [InlineData("train.expname = [a]", "t.conf:1: train.expname: expected a string, got [\"a\"]")]
    [InlineData("train.expname = null", "t.conf:1: train.expname: expected a string, got null")]
    [InlineData("model.density = 0.1", "t.conf:1: model.density: expected a section { ... } with keys params_init, beta_min, got 0.1")]
    [InlineData("plot.resolution { a = 1 }", "t.conf:1: plot.resolution: expected an integer, got an object { a }")]
    public void WrongType_NamesFileLineAndKey(string text, string message)
    {
        Assert.Equal(message, Fails(text).Message);
    }

    [Fact]
    public void MissingFile_NamesTheFile()
    {
        var e = Assert.Throws<ConfException>(() => ConfLoader.Load("confs/does_not_exist.conf"));
        Assert.StartsWith("confs/does_not_exist.conf: configuration file not found", e.Message);
    }

    [Fact]
    public void Load_ReportsThePathAsGiven()
    {
        var dir = Directory.CreateTempSubdirectory("confload").FullName;
        try
        {
            var path = Path.Combine(dir, "x.conf");
            File.WriteAllText(path, "model {\n  num_identity = 7\n  dims = [1]\n}\n");
            var e = Assert.Throws<ConfException>(() => ConfLoader.Load(path));
            Assert.StartsWith($"{path}:3: model.dims: unknown key", e.Message);
            File.WriteAllText(path, "model {\n  num_identity = 7\n}\n");
            Assert.Equal(7, ConfLoader.Load(path).Model.NumIdentity);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ToHocon_RoundTripsDefaultsAndEdgeValues()
    {
        var c = new HeadConf() with
        {
            Train = new TrainOptions { InitCheckpoint = "a \"quoted\" name\twith\\escapes", Freeze = ["template", "x y"], LearningRate = 0.1 + 0.2, PeAlphaStart = 1.0 },
            Plot = new PlotOptions { GridBoundary = [-1e-300, 1.7976931348623157e308] },
            Dataset = new DatasetOptions { ScanId = "-1", ImgRes = [] },
        };
        var text = ConfLoader.ToHocon(c);
        var back = ConfLoader.Parse(text, "resolved.conf");
        Assert.Empty(ConfLoader.Differences(c, back));
        Assert.Equal(text, ConfLoader.ToHocon(back));
        Assert.Contains("pe_alpha_start = 1.0\n", text);
        Assert.Contains("scan_id = \"-1\"\n", text);
    }

    [Fact]
    public void Differences_FindsChangedLeavesAndLists()
    {
        var a = new HeadConf();
        var b = a with { Model = a.Model with { RenderingNetwork = a.Model.RenderingNetwork with { Dims = [256, 256, 256, 128] } }, Loss = a.Loss with { EikonalWeight = 0.1 } };
        Assert.Equal(["loss.eikonal_weight", "model.rendering_network.dims"], ConfLoader.Differences(a, b));
    }

    [Fact]
    public void KnownKeys_CoverSectionsAndLeaves()
    {
        Assert.Contains("model.density.params_init.beta", ConfLoader.KnownKeys);
        Assert.Contains("model.deformTempGeo_network", ConfLoader.KnownKeys);
        Assert.Contains("train.redraw_pixels_every_iteration", ConfLoader.KnownKeys);
    }

    [Theory]
    [InlineData("train.max_iterations = -5", "train.max_iterations: must be ≥ 0 (0 = train nepochs epochs), got -5")]
    [InlineData("train { max_iterations = 0, nepochs = 0 }", "train.nepochs: must be ≥ 1 when train.max_iterations = 0, got 0")]
    [InlineData("train.num_pixels = 0", "train.num_pixels: must be ≥ 1, got 0")]
    [InlineData("train.log_freq = -1", "train.log_freq: must be ≥ 0, got -1")]
    [InlineData("train.checkpoint_iters = -4", "train.checkpoint_iters: must be ≥ 0, got -4")]
    [InlineData("train.detail_pixel_fraction = 1.5", "train.detail_pixel_fraction: must be in 0…1, got 1.5")]
    [InlineData("train.expname = \"../../x\"", "train.expname: '../../x' must be a plain name (no '/', '\\' or '..'): it names the run folder under runs/")]
    [InlineData("train.expname = \"..\"", "train.expname: '..' must be a plain name (no '/', '\\' or '..'): it names the run folder under runs/")]
    [InlineData("train.expname = \"\"", "train.expname: '' must be a plain name (no '/', '\\' or '..'): it names the run folder under runs/")]
    public void BadCountsAndExpnamesAreRejected(string text, string message) => Assert.Equal(message, Fails(text).Message);

    [Fact]
    public void ZeroMaxIterationsMeansNepochs() => Assert.Equal(0, P("train { max_iterations = 0, nepochs = 3 }").Train.MaxIterations);
}
