using HeadRecon.Config;
using Xunit;

namespace HeadRecon.Tests.Config;

/// <summary>The shipped confs/*.conf against method-spec §2 and reference/configs.json (values copied here).</summary>
public class ConfFilesTests
{
    public static string ConfPath(string name) => Path.Combine(AppContext.BaseDirectory, "confs", name);

    static HeadConf Load(string name) => ConfLoader.Load(ConfPath(name));

    public static TheoryData<string> AllConfs => new() { "face_st1.conf", "face_st2.conf", "facescape_st1.conf", "facescape_st2.conf" };

    /// <summary>Model values common to every released config (configs.json stage1_model/stage2_model, §2.1, §2.4).</summary>
    static void AssertCommonModel(ModelOptions m)
    {
        Assert.Equal(64, m.TemplateFeatureDim);
        Assert.Equal(128, m.DimIdentityShape);
        Assert.Equal(128, m.DimIdentityColor);
        Assert.Equal(1000, m.PeAlpha);

        var d = m.DeformTempGeoNetwork.DeformNetwork;
        Assert.Equal((3, 3, 192, 6, true), (d.DIn, d.DOut, d.DeformFeatureDim, d.Multires, d.WeightNorm));
        Assert.Equal([256, 256, 256, 256], d.Dims);

        var t = m.DeformTempGeoNetwork.ImplicitNetwork;
        Assert.Equal((3, 1, true, 0.6, true, 6, 20.0), (t.DIn, t.DOut, t.GeometricInit, t.Bias, t.WeightNorm, t.Multires, t.SphereScale));
        Assert.Equal(Enumerable.Repeat(256, 8), t.Dims);
        Assert.Equal([4], t.SkipIn);

        var x = m.DisplacementNetwork;
        Assert.Equal((3, 1, true, 8, 64), (x.DIn, x.DOut, x.WeightNorm, x.Multires, x.DisplaceFeatureDim));
        Assert.Equal([256, 256, 256, 256], x.Dims);
        Assert.Empty(x.SkipIn);

        Assert.Equal(("idr", 9, 3, true), (m.RenderingNetwork.Mode, m.RenderingNetwork.DIn, m.RenderingNetwork.DOut, m.RenderingNetwork.WeightNorm));

        Assert.Equal(0.1, m.Density.ParamsInit.Beta);
        Assert.Equal(1e-4, m.Density.BetaMin);

        var r = m.RaySampler;
        Assert.Equal((0.0, 64, 128, 32, 0.1, 10, 5, 1e-6), (r.Near, r.NSamples, r.NSamplesEval, r.NSamplesExtra, r.Eps, r.BetaIters, r.MaxTotalIters, r.AddTiny));
    }

    /// <summary>configs.json "loss" (§1.9).</summary>
    static void AssertLoss(LossOptions l)
    {
        Assert.Equal(0.01, l.EikonalWeight);
        Assert.Equal("torch.nn.L1Loss", l.RgbLoss);
        Assert.Equal(0.001, l.DispWeight);
        Assert.Equal("torch.nn.L1Loss", l.DispLoss);
        Assert.Equal(0.001, l.DispGradWeight);
        Assert.Equal("torch.nn.L1Loss", l.DispGradLoss);
        Assert.Equal(0.001, l.DeformGradWeight);
        Assert.Equal(0.001, l.DeformWeight);
        Assert.Equal(0.001, l.ShapeCodeWeight);
        Assert.Equal(0.001, l.ColorCodeWeight);
        Assert.Equal("torch.nn.MSELoss", l.LatentCodeLoss);
    }

    /// <summary>Extension keys keep the original's behaviour (redraw stays at the record default; see the conf comment).</summary>
    static void AssertExtensionsOff(TrainOptions t)
    {
        Assert.Equal(0, t.MaxIterations);
        Assert.Empty(t.Freeze);
        Assert.Equal(0, t.PeAlphaIters);
        Assert.Equal(1.0, t.PeAlphaStart);
        Assert.True(t.RedrawPixelsEveryIteration);
    }

    static void AssertCommonTrain(TrainOptions t)
    {
        Assert.Equal("model.network.VolSDFNetwork", t.ModelClass);
        Assert.Equal("model.loss.VolSDFLoss", t.LossClass);
        Assert.Equal(5.0e-4, t.LearningRate);
        Assert.Equal(0.1, t.SchedDecayRate);
        Assert.Equal(1024, t.SplitNPixels);
        AssertExtensionsOff(t);
    }

    [Fact]
    public void FaceSt1_MatchesSpec()
    {
        var c = Load("face_st1.conf");
        AssertCommonTrain(c.Train);
        Assert.Equal("datasets.face_dataset.FaceDataset", c.Train.DatasetClass);
        Assert.Equal((1024, 2000, 100, 0), (c.Train.NumPixels, c.Train.NEpochs, c.Train.CheckpointFreq, c.Train.Seed));
        Assert.Equal((1, 512), (c.Plot.PlotNImgs, c.Plot.Resolution));
        Assert.Equal([-0.3, 0.3], c.Plot.GridBoundary);
        AssertLoss(c.Loss);

        var d = c.Dataset;
        Assert.Equal(("pr", "-1", 0.15, "id.txt", "15_view.json", 15, false, 1), (d.Format, d.ScanId, d.CamScale, d.IdList, d.InitViewPath, d.SparseViewNum, d.FineTuneFlag, d.FineTuneView));
        Assert.Equal([512, 512], d.ImgRes);

        var m = c.Model;
        AssertCommonModel(m);
        Assert.Equal((true, true, 3.0, false), (m.FirstStage, m.WhiteBkgd, m.SceneBoundingSphere, m.UseTvLoss));
        Assert.Equal([1.0, 1.0, 1.0], m.BgColor);
        Assert.Equal([256, 256, 256, 256], m.RenderingNetwork.Dims);
        Assert.Equal((6, 4), (m.RenderingNetwork.Multires, m.RenderingNetwork.MultiresView));
        Assert.Empty(m.RenderingNetwork.SkipIn);
    }

    [Fact]
    public void FaceSt2_MatchesSpec()
    {
        var c = Load("face_st2.conf");
        AssertCommonTrain(c.Train);
        Assert.Equal("datasets.face_dataset.FaceDataset", c.Train.DatasetClass);
        Assert.Equal((1024, 20000, 5000, 1), (c.Train.NumPixels, c.Train.NEpochs, c.Train.CheckpointFreq, c.Train.Seed));
        Assert.Equal([-0.3, 0.3], c.Plot.GridBoundary);
        Assert.Equal(512, c.Plot.Resolution);
        AssertLoss(c.Loss);

        var d = c.Dataset;
        Assert.Equal(("pr", "371", 0.15, "15_view.json", 15), (d.Format, d.ScanId, d.CamScale, d.InitViewPath, d.SparseViewNum));
        Assert.Equal([512, 512], d.ImgRes);

        var m = c.Model;
        AssertCommonModel(m);
        Assert.Equal((false, true, 3.0, true), (m.FirstStage, m.WhiteBkgd, m.SceneBoundingSphere, m.UseTvLoss));
        Assert.Equal(Enumerable.Repeat(256, 6), m.RenderingNetwork.Dims);
        Assert.Equal((8, 6), (m.RenderingNetwork.Multires, m.RenderingNetwork.MultiresView));
        Assert.Equal([3], m.RenderingNetwork.SkipIn);
    }

    [Fact]
    public void FaceStages_BothUse31Identities()
    {
        // The original's 5 (stage 1) vs 31 (stage 2) cannot load; both must be equal (§1.10).
        Assert.Equal(31, Load("face_st1.conf").Model.NumIdentity);
        Assert.Equal(31, Load("face_st2.conf").Model.NumIdentity);
    }

    [Fact]
    public void FaceStages_DifferOnlyWhereTheSpecSaysSo()
    {
        var d = ConfLoader.Differences(Load("face_st1.conf"), Load("face_st2.conf"));
        Assert.Equal(
        [
            "train.checkpoint_freq", "train.nepochs", "train.seed", "dataset.scan_id",
            "model.st1_flag", "model.use_tv_loss",
            "model.rendering_network.dims", "model.rendering_network.multires_view", "model.rendering_network.multires", "model.rendering_network.skip_in",
        ], d);
    }

    [Theory]
    [InlineData("facescape_st1.conf", true, 2048, 500, 128, "-1")]
    [InlineData("facescape_st2.conf", false, 1024, 1000, 512, "340")]
    public void FaceScape_MatchesSpec(string name, bool st1, int numPixels, int checkpointFreq, int resolution, string scanId)
    {
        var c = Load(name);
        AssertCommonTrain(c.Train);
        Assert.Equal((numPixels, 3000, checkpointFreq), (c.Train.NumPixels, c.Train.NEpochs, c.Train.CheckpointFreq));
        Assert.Equal(resolution, c.Plot.Resolution);
        Assert.Equal([-1.0, 1.0], c.Plot.GridBoundary);
        AssertLoss(c.Loss);
        Assert.Equal(("facescape", scanId), (c.Dataset.Format, c.Dataset.ScanId));
        Assert.Equal([0, 0], c.Dataset.ImgRes);

        var m = c.Model;
        AssertCommonModel(m);
        Assert.Equal((st1, false, 20.0, 10, !st1), (m.FirstStage, m.WhiteBkgd, m.SceneBoundingSphere, m.NumIdentity, m.UseTvLoss));
        Assert.Equal([256, 256, 256, 256], m.RenderingNetwork.Dims);
        Assert.Equal((6, 4), (m.RenderingNetwork.Multires, m.RenderingNetwork.MultiresView));
        Assert.Empty(m.RenderingNetwork.SkipIn);
    }

    [Theory]
    [MemberData(nameof(AllConfs))]
    public void ToHocon_RoundTrips(string name)
    {
        var c = Load(name);
        var text = ConfLoader.ToHocon(c);
        var back = ConfLoader.Parse(text, "resolved.conf");
        Assert.Empty(ConfLoader.Differences(c, back));
        Assert.Equal(text, ConfLoader.ToHocon(back));
    }

    [Fact]
    public void Override_OnShippedConf()
    {
        var c = ConfLoader.Load(ConfPath("face_st1.conf"), ["model.num_identity=6", "train.max_iterations=10"]);
        Assert.Equal(6, c.Model.NumIdentity);
        Assert.Equal(10, c.Train.MaxIterations);
        var e = Assert.Throws<ConfException>(() => ConfLoader.Load(ConfPath("face_st1.conf"), ["model.num_identiy=3"]));
        Assert.Contains("model.num_identiy", e.Message);
        Assert.Contains("did you mean model.num_identity?", e.Message);
    }

    /// <summary>Errors inside a real conf point at its line, in the documented format.</summary>
    [Fact]
    public void Errors_InShippedConf_NameFileLineAndKey()
    {
        var lines = File.ReadAllLines(ConfPath("face_st1.conf"));
        int Line(string fragment) => Array.FindIndex(lines, l => l.Contains(fragment)) + 1;

        var wrongType = File.ReadAllText(ConfPath("face_st1.conf")).Replace("N_samples = 64", "N_samples = \"abc\"");
        var e = Assert.Throws<ConfException>(() => ConfLoader.Parse(wrongType, "confs/face_st1.conf"));
        Assert.Equal($"confs/face_st1.conf:{Line("N_samples = 64")}: model.ray_sampler.N_samples: expected an integer, got \"abc\"", e.Message);

        var unknown = File.ReadAllText(ConfPath("face_st1.conf")).Replace("beta_min = 0.0001", "beta_mn = 0.0001");
        e = Assert.Throws<ConfException>(() => ConfLoader.Parse(unknown, "confs/face_st1.conf"));
        Assert.Equal($"confs/face_st1.conf:{Line("beta_min = 0.0001")}: model.density.beta_mn: unknown key; did you mean model.density.beta_min?", e.Message);

        var syntax = File.ReadAllText(ConfPath("face_st1.conf")).Replace("multires_view = 4", "multires_view 4");
        e = Assert.Throws<ConfException>(() => ConfLoader.Parse(syntax, "confs/face_st1.conf"));
        Assert.StartsWith($"confs/face_st1.conf:{Line("multires_view = 4")}: model.rendering_network.multires_view: expected '=', ':' or '{{'", e.Message);
    }
}
