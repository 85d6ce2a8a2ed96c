using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Models;
using HeadRecon.Training;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Training;

[Collection("TinyHeads")]
public class TrainerTests(TinyHeadsFixture heads)
{
    static float[] Flat(HeadModel m) => m.parameters().SelectMany(p => p.detach().cpu().contiguous().data<float>().ToArray()).ToArray();

    [Fact]
    public void ResumedRunEqualsUninterruptedRun()
    {
        using var dir = new TempDir();
        var conf = heads.Stage1(8);
        var data = DatasetTrainingData.Open(conf);
        float[] straight;
        using (var t = Trainer.Start(conf, data, dir["a"], CPU)) { t.Train(); straight = Flat(t.Model); Assert.Equal(8, t.Iteration); }
        using (var t = Trainer.Start(conf, data, dir["b"], CPU)) { t.Train(stopAfter: 4); Assert.Equal(4, t.Iteration); }
        float[] resumed;
        using (var t = Trainer.Resume(dir["b"], data, CPU))
        {
            Assert.Equal(4, t.Iteration);
            t.Train();
            Assert.Equal(8, t.Iteration);
            resumed = Flat(t.Model);
        }
        // Bit for bit: every draw of an iteration comes from its own stably seeded generators.
        Assert.Equal(straight, resumed);
        CliRunTests.AssertSameContent(Path.Combine(dir["a"], "checkpoints", "latest.ckpt"), Path.Combine(dir["b"], "checkpoints", "latest.ckpt"));
        // metrics.jsonl continues: iterations 1..8 once each.
        var its = File.ReadLines(Path.Combine(dir["b"], "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("iteration").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 8), its);
        Assert.True(File.Exists(Path.Combine(dir["b"], "conf.conf")));
    }

    [Fact]
    public void ResumedRunWithAnOccupancyGridEqualsUninterruptedRun()
    {
        // Grids rebuilt every 3 × 2 identities = 6 iterations, the resume at 4: the grid in use must come from the
        // checkpoint (built at 0 or 1), not be rebuilt from the weights at 4. A large lr makes that difference visible.
        using var dir = new TempDir();
        var conf = heads.Stage1(8, "train.learning_rate=1e-2",
            "model.ray_sampler.occupancy_grid { resolution = 16, bound = 0.8, update_iters = 3, margin = 0.0, beta_factor = 0.0 }");
        var data = DatasetTrainingData.Open(conf);
        using (var t = Trainer.Start(conf, data, dir["a"], CPU)) t.Train();
        using (var t = Trainer.Start(conf, data, dir["b"], CPU)) t.Train(stopAfter: 4);
        using (var t = Trainer.Resume(dir["b"], data, CPU)) t.Train();
        CliRunTests.AssertSameContent(Path.Combine(dir["a"], "checkpoints", "latest.ckpt"), Path.Combine(dir["b"], "checkpoints", "latest.ckpt"));
    }

    [Fact]
    public void Stage2LoadsStage1WithTheDocumentedMissingAndDroppedParts()
    {
        using var dir = new TempDir();
        var c1 = heads.Stage1(2);
        using (var t = Trainer.Start(c1, DatasetTrainingData.Open(c1), dir["st1"], CPU)) t.Train();
        var c2 = heads.Stage2(2, $"train.init_checkpoint=\"{dir["st1"]}\"");
        using var t2 = Trainer.Start(c2, DatasetTrainingData.Open(c2), dir["st2"], CPU);
        var rep = t2.InitReport!;
        Assert.All(rep.Missing, n => Assert.True(n.StartsWith("displacement_network.", StringComparison.Ordinal) || n.StartsWith("res_rendering_network.", StringComparison.Ordinal), n));
        Assert.Contains(rep.Missing, n => n.StartsWith("displacement_network.", StringComparison.Ordinal));
        Assert.Contains(rep.Missing, n => n.StartsWith("res_rendering_network.", StringComparison.Ordinal));
        Assert.All(rep.Unexpected, n => Assert.StartsWith("rendering_network.", n));
        Assert.NotEmpty(rep.Unexpected);
        Assert.Contains("density.beta", rep.Loaded);
        Assert.Contains("id_shape_embedding.weight", rep.Loaded);
        Assert.Contains(rep.Loaded, n => n.StartsWith("deform_temp_geo_network.implicit_net.", StringComparison.Ordinal));
        // The loaded template is the stage-1 template, value for value.
        var st1 = Checkpoint.ReadParameters(Path.Combine(dir["st1"], "checkpoints", "latest.ckpt"));
        var expected = st1["param/deform_temp_geo_network.implicit_net.lin0.weight_v"].AsFloat32();
        var actual = t2.Model.state_dict()["deform_temp_geo_network.implicit_net.lin0.weight_v"].cpu().data<float>().ToArray();
        Assert.Equal(expected, actual);
        t2.Train();
        Assert.Equal(2, t2.Iteration);
    }

    [Fact]
    public void NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TempDir();
        var conf = heads.Stage1(8);
        using var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), dir.Path, CPU);
        t.Train(stopAfter: 4); // checkpoint at 4
        using (no_grad()) t.Model.Density.Beta.fill_(float.NaN);
        var ex = Assert.Throws<NonFiniteLossException>(() => t.Train());
        Assert.Contains("iteration 4", ex.Message);
        Assert.Contains($"the last good checkpoint is {Path.Combine(dir.Path, "checkpoints", "latest.ckpt")} (iteration 4)", ex.Message);
        var meta = Checkpoint.ReadMeta(Path.Combine(dir.Path, "checkpoints", "latest.ckpt"));
        Assert.Equal(4, meta.Iteration);
        var p = Checkpoint.ReadParameters(Path.Combine(dir.Path, "checkpoints", "latest.ckpt"));
        Assert.True(float.IsFinite(p["param/density.beta"].AsFloat32()[0]));
    }

    [Fact]
    public void NonFiniteLossBeforeTheFirstCheckpointSaysThereIsNone()
    {
        using var dir = new TempDir();
        var conf = heads.Stage1(8);
        using var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), dir.Path, CPU);
        using (no_grad()) t.Model.Density.Beta.fill_(float.NaN);
        var ex = Assert.Throws<NonFiniteLossException>(() => t.Train());
        Assert.Contains("iteration 0", ex.Message);
        Assert.Contains("before the first checkpoint (this run has none to resume from)", ex.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "checkpoints", "latest.ckpt")));
    }

    [Fact]
    public void FrozenGroupsDoNotChange()
    {
        using var dir = new TempDir();
        var conf = heads.Stage1(3, "train.freeze=[template, codes]");
        using var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), dir.Path, CPU);
        var before = t.Model.DeformTempGeoNetwork.ImplicitNet.parameters().Select(p => p.detach().clone()).ToList();
        var deformBefore = t.Model.DeformTempGeoNetwork.DeformNet.parameters().Select(p => p.detach().clone()).ToList();
        t.Train();
        static float MaxDiff(Tensor a, Tensor b) => (a - b.detach()).abs().max().item<float>();
        Assert.All(before.Zip(t.Model.DeformTempGeoNetwork.ImplicitNet.parameters()), p => Assert.Equal(0f, MaxDiff(p.First, p.Second)));
        Assert.Contains(deformBefore.Zip(t.Model.DeformTempGeoNetwork.DeformNet.parameters()), p => MaxDiff(p.First, p.Second) > 0);
    }

    [Fact]
    public void TrainedRunMeshesAndEvaluates()
    {
        using var dir = new TempDir();
        var conf = heads.Stage1(4);
        using (var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), dir.Path, CPU)) t.Train();
        using var run = TrainedRun.Load(dir.Path);
        // Shortly after geometric init the SDF is still close to a sphere of radius 0.6: the tiny conf meshes [-0.8, 0.8]³.
        var mesh = run.ExtractMesh(0, 32);
        Assert.True(mesh.FaceCount > 100);
        var raw = ModelMesher.Extract(run.Model, 0, -0.8, 0.8, 32);
        Assert.Equal(1 / 0.15, mesh.BoundsDiagonal() / raw.BoundsDiagonal(), 3); // back in Agisoft XML units
        var scaled = mesh;
        var gt = Ply.Read(Path.Combine(heads.Heads, "gt", "101.ply"));
        var cmp = RunEvaluator.CompareMeshes(scaled, gt, samples: 5000);
        Assert.True(double.IsFinite(cmp.Chamfer) && cmp.Chamfer > 0);
        var views = RunEvaluator.HeldOutViews(run, 0, maxViews: 2, maxSide: 16);
        Assert.Equal(2, views.Count);
        Assert.All(views, v => Assert.InRange(v.Psnr, 1, 60));

        // A fixed set (what runs on different splits are all scored on): exactly those views, whatever maxViews says.
        var trained = run.Dataset.Views.Where(v => v.IdentityIndex == 0).Select(v => v.ViewName).ToHashSet();
        var free = Enumerable.Range(1, 30).Select(v => $"{v:D2}.png").Where(v => !trained.Contains(v)).ToList();
        string[] fixedSet = [free[^1], free[0], free[1]];
        var scored = RunEvaluator.HeldOutViews(run, 0, maxViews: 1, maxSide: 16, only: fixedSet);
        Assert.Equal(fixedSet.Order(), scored.Select(v => v.View).Order());
        var seen = Assert.Throws<ArgumentException>(() => RunEvaluator.HeldOutViews(run, 0, maxSide: 16, only: [free[0], trained.First()]));
        Assert.Contains($"held-out view 101/{trained.First()}: the run trained on it", seen.Message);
        var missing = Assert.Throws<ArgumentException>(() => RunEvaluator.HeldOutViews(run, 0, maxSide: 16, only: ["99.png"]));
        Assert.Contains("held-out view 101/99.png: no such image in", missing.Message);
    }
}
