using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Data.Synthetic;
using HeadRecon.Pipelines;
using HeadRecon.Training;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Pipelines;

/// <summary>
/// A template pre-trained in seconds the way the shipped one is (template_st1.conf on a synthetic family with a held-out
/// identity, shrunk by the tiny overrides), packed with `template pack`'s code, then the quickstart's unseen-person path
/// on it: the output layout other tools read, the metrics, and the checks that refuse a bad template before anything
/// is written.
/// </summary>
public sealed class QuickstartTests(QuickstartTests.TemplateFixture fixture, ITestOutputHelper output) : IClassFixture<QuickstartTests.TemplateFixture>
{
    /// <summary>The tiny geometry, shared by pre-training and fine-tuning (without the data folder, which the quickstart sets).</summary>
    static string[] Geometry(int iterations) =>
        [.. TinyHeadsFixture.TinyOverrides("unused", iterations).Where(s => !s.StartsWith("dataset.data_dir", StringComparison.Ordinal)), "model.num_identity=3"];

    static string[] Stage2(int iterations) =>
        [.. Geometry(iterations), "model.rendering_network.dims=[32, 32]", "model.rendering_network.skip_in=[]",
            "model.displacement_network.dims=[32, 32]", "model.displacement_network.displace_feature_dim=8"];

    public sealed class TemplateFixture : IDisposable
    {
        public TempDir Dir { get; } = new();
        public string Template => Dir["template"];
        public IReadOnlyList<string> Ids { get; }

        public TemplateFixture()
        {
            HeadRecon.Runtime.TorchRuntime.Initialize();
            string family = Dir["family"];
            SyntheticHeadWriter.Write(new SynthOptions(family, Identities: 3, Views: 30, Resolution: 32, Seed: 0, GtResolution: 48) { HeldOut = 1 });
            var conf = ConfLoader.Load(TestSupport.DataPath("..", "confs", "template_st1.conf"), [.. Geometry(3), $"dataset.data_dir=\"{family}\""]);
            using (var trainer = Trainer.Start(conf, DatasetTrainingData.Open(conf), Dir["pretrain"], TorchSharp.torch.CPU))
                trainer.Train();
            PretrainedTemplate.Pack(Dir["pretrain"], Template);
            Ids = [.. File.ReadLines(Path.Combine(family, "id.txt")), .. File.ReadLines(Path.Combine(family, "heldout.txt"))];
        }

        public void Dispose() => Dir.Dispose();
    }

    QuickstartOptions Options(string outDir) => new(outDir)
    {
        Template = fixture.Template,
        Stage1Overrides = Geometry(3),
        Stage2Overrides = Stage2(2),
        MeshResolution = 32,
        GroundTruthResolution = 48,
        RenderSide = 32,
        TurntableFrames = 2,
        HeldOutViews = 1,
        Samples = 4000,
        Device = "cpu",
    };

    [Fact]
    public void The_unseen_identity_is_fitted_from_the_template_and_measured_against_every_identity()
    {
        using var t = new TempDir();
        var result = Quickstart.Run(Options(t["qs"]) with { Baseline = true }, output.WriteLine);
        string id = fixture.Ids[^1];
        foreach (var f in new[] { $"meshes/stage1_{id}.ply", $"meshes/stage2_{id}.ply", $"meshes/baseline_{id}.ply", "meshes/template.ply",
                     "metrics.json", "report.md", "figures/views.png", "figures/meshes.png", "figures/turntable.gif" })
            Assert.True(File.Exists(Path.Combine(result.OutDir, f)), f);
        foreach (var other in fixture.Ids)
            Assert.True(File.Exists(Path.Combine(result.OutDir, "heads", "gt", other + ".ply")), $"ground truth of {other}");
        // Only the unseen person is rendered; the others contribute their exact geometry, and id.txt keeps the
        // template's pre-training identities so that the person gets the template's spare code.
        Assert.Equal(fixture.Ids.SkipLast(1), File.ReadAllLines(Path.Combine(result.OutDir, "heads", "id.txt")));
        Assert.True(Directory.Exists(Path.Combine(result.OutDir, "heads", id)));
        Assert.False(Directory.Exists(Path.Combine(result.OutDir, "heads", fixture.Ids[0])));
        Assert.True(File.Exists(result.Report));

        using var metrics = JsonDocument.Parse(File.ReadAllText(result.MetricsJson));
        var root = metrics.RootElement;
        Assert.Equal(id, root.GetProperty("identity").GetString());
        Assert.Equal(3, root.GetProperty("views").GetInt32());
        foreach (var name in new[] { "stage1", "stage2", "baseline" })
        {
            var r = root.GetProperty("reconstructions").GetProperty(name);
            double chamfer = r.GetProperty("head").GetProperty("chamfer").GetDouble();
            Assert.True(chamfer > 0 && double.IsFinite(chamfer), $"{name}: chamfer {chamfer}");
            Assert.True(r.GetProperty("face").ValueKind == JsonValueKind.Object, $"{name}: face region measured");
            // Its distance to its own and to each other identity's ground truth.
            Assert.Equal(fixture.Ids.Count, r.GetProperty("identity_discrimination").GetProperty("per_identity").EnumerateObject().Count());
        }
        Assert.Equal(root.GetProperty("reconstructions").GetProperty("stage2").GetProperty("head").GetProperty("chamfer_over_diagonal").GetDouble(),
            result.ChamferRatio, 12);
        // The baseline ran from scratch: no parameters came from the template.
        Assert.Equal("", RunFolder.Open(Path.Combine(result.OutDir, "baseline")).LoadConf().Train.InitCheckpoint);
    }

    [Fact]
    public void A_damaged_template_is_refused_naming_its_checkpoint_before_anything_is_written()
    {
        using var t = new TempDir();
        string copy = t["template"];
        Fixtures.CopyDirectory(fixture.Template, copy);
        string ckpt = Path.Combine(copy, "checkpoints", "latest.ckpt");
        var bytes = File.ReadAllBytes(ckpt);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.WriteAllBytes(ckpt, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Quickstart.Run(Options(t["qs"]) with { Template = copy }, output.WriteLine));
        Assert.Contains(ckpt, e.Message);
        Assert.False(Directory.Exists(t["qs"]));
    }

    [Fact]
    public void A_conf_whose_geometry_differs_from_the_template_gets_one_error_naming_the_key()
    {
        using var t = new TempDir();
        var o = Options(t["qs"]);
        var e = Assert.Throws<ConfException>(() => Quickstart.Run(o with { Stage1Overrides = [.. o.Stage1Overrides, "model.dim_identity_shape=16"] }, output.WriteLine));
        Assert.Contains("model.dim_identity_shape", e.Message);
        Assert.Contains("unseen_st1.conf", e.Message);
        Assert.False(Directory.Exists(t["qs"]));
    }

    [Fact]
    public void A_pre_training_identity_is_not_an_unseen_person()
    {
        using var t = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Quickstart.Run(Options(t["qs"]) with { Identity = fixture.Ids[0] }, output.WriteLine));
        Assert.Contains("trained on this identity", e.Message);
        Assert.Throws<ArgumentException>(() => Quickstart.Run(Options(t["qs"]) with { Identity = "999" }, output.WriteLine));
        Assert.False(Directory.Exists(t["qs"]));
    }
}
