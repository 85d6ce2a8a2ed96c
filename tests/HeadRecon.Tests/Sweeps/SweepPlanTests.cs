using System.Security.Cryptography;
using System.Text;
using HeadRecon.Config;
using HeadRecon.Sweeps;
using Xunit;

namespace HeadRecon.Tests.Sweeps;

/// <summary>Sweep files expand into runs with stable names, their own folders and checked configurations; bad input names the file, line and key.</summary>
public class SweepPlanTests
{
    static string Write(TempDir dir, string text, string name = "s.sweep")
    {
        File.WriteAllText(dir[name], text);
        return dir[name];
    }

    static string Base => HoconScalar.Quote(TinySweep.Conf("quickstart_st2.conf"));

    [Fact]
    public void ExpandsIdentitiesVariantsGridAndSeedsInOrderWithTheirOverrides()
    {
        using var dir = new TempDir();
        string file = Write(dir, $$"""
            name = abl
            base = {{Base}}
            set = ["train.max_iterations = 7"]
            identities = [371, "372"]
            variants = [ { name = base }, { name = occ, set = ["model.ray_sampler.occupancy_grid { resolution = 32 }"] } ]
            grid { model.ray_sampler.N_samples = [32, 64] }
            seeds = [1, 2]
            stage1 { run = st1 }
            """);
        var plan = SweepPlan.Load(file);
        Assert.Equal(2 * 2 * 2 * 2, plan.Runs.Count);
        Assert.Equal("371_base_N_samples-32_seed1", plan.Runs[0].Name);
        Assert.Equal("371_base_N_samples-32_seed2", plan.Runs[1].Name);
        Assert.Equal("371_base_N_samples-64_seed1", plan.Runs[2].Name);
        Assert.Equal("371_occ_N_samples-32_seed1", plan.Runs[4].Name);
        Assert.Equal("372_occ_N_samples-64_seed2", plan.Runs[15].Name);
        Assert.Equal(Enumerable.Range(0, 16), plan.Runs.Select(r => r.Index));
        Assert.Equal(plan.Runs.Count, plan.Runs.Select(r => r.Name).Distinct().Count());
        // Out defaults to runs/<name> beside the sweep file; each run has its own folder there.
        Assert.All(plan.Runs, r => Assert.Equal(Path.Combine(dir.Path, "runs", "abl", r.Name), r.Folder));
        Assert.Null(plan.Stage1);
        Assert.Equal(dir["st1"], plan.Stage1Folder);

        var run = plan.Runs[13]; // 372, occ, N_samples 32, seed 2
        Assert.Equal("372_occ_N_samples-32_seed2", run.Name);
        Assert.Equal(new[] { ("identity", "372"), ("variant", "occ"), ("model.ray_sampler.N_samples", "32"), ("seed", "2") }, run.Settings);
        var conf = plan.Resolve(run);
        Assert.Equal("372", conf.Dataset.ScanId);
        Assert.Equal(2, conf.Train.Seed);
        Assert.Equal(32, conf.Model.RaySampler.NSamples);
        Assert.Equal(32, conf.Model.RaySampler.OccupancyGrid.Resolution);
        Assert.Equal(7, conf.Train.MaxIterations);
        Assert.Equal(dir["st1"], conf.Train.InitCheckpoint);
        Assert.Equal(0, plan.Resolve(plan.Runs[0]).Model.RaySampler.OccupancyGrid.Resolution);
    }

    [Fact]
    public void NamesAndPlanHashAreStableAndLossyValuesGetASha256Suffix()
    {
        using var dir = new TempDir();
        string text = $$"""
            base = {{Base}}
            grid { "dataset.data_dir" = ["data/a", "data_a"], "dataset.img_res" = [[32, 32]] }
            """;
        var a = SweepPlan.Load(Write(dir, text, "one.sweep"));
        var b = SweepPlan.Load(Write(dir, text, "two.sweep"));
        Assert.Equal(a.Runs.Select(r => r.Name), b.Runs.Select(r => r.Name));
        Assert.Equal(a.Hash, b.Hash);
        // "data/a" cannot be a folder name as written: readable part plus the SHA-256 of the settings, as any process computes it.
        string settings = "dataset.data_dir=\"data/a\"\ndataset.img_res=[32, 32]";
        string sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings)))[..8];
        Assert.Equal($"data_dir-data_a_img_res-32x32-{sha}", a.Runs[0].Name);
        Assert.Equal("data_dir-data_a_img_res-32x32", a.Runs[1].Name);
        Assert.Equal(new[] { 32, 32 }, a.Resolve(a.Runs[0]).Dataset.ImgRes);
        // No dimension at all: one run.
        var single = SweepPlan.Load(Write(dir, $"base = {Base}", "single.sweep"));
        Assert.Equal("run", Assert.Single(single.Runs).Name);
        // Another identity list is another plan.
        var c = SweepPlan.Load(Write(dir, $"base = {Base}\nidentities = [1, 2]", "c.sweep"));
        var d = SweepPlan.Load(Write(dir, $"base = {Base}\nidentities = [1, 3]", "d.sweep"));
        Assert.NotEqual(c.Hash, d.Hash);
    }

    [Fact]
    public void Stage1TrainedByTheSweepIsItsOwnRunAndEveryRunStartsFromIt()
    {
        using var dir = new TempDir();
        var plan = SweepPlan.Load(Write(dir, $$"""
            base = {{Base}}
            out = "/tmp/elsewhere/x"
            identities = [101]
            stage1 { conf = quickstart_st1.conf, set = ["train.max_iterations = 3"] }
            """));
        Assert.NotNull(plan.Stage1);
        Assert.Equal("/tmp/elsewhere/x/stage1", plan.Stage1!.Folder);
        Assert.Equal(3, plan.Resolve(plan.Stage1).Train.MaxIterations);
        Assert.Equal("/tmp/elsewhere/x/stage1", plan.Resolve(plan.Runs[0]).Train.InitCheckpoint);
        Assert.Equal(new[] { "stage1", "101" }, plan.AllRuns.Select(r => r.Name));
        Assert.Same(plan.Stage1, plan.Find("stage1"));
        Assert.Same(plan.Runs[0], plan.Find(0));
        Assert.Throws<ArgumentException>(() => plan.Find(1));
    }

    [Theory]
    [InlineData("identites = [1]", "s.sweep:2: identites: unknown key; did you mean identities?")]
    [InlineData("grid { train.num_pixels = 64 }", "s.sweep:2: grid.train.num_pixels: expected a non-empty list")]
    [InlineData("identities = [371, 372, 371]", "s.sweep:2: identities[2]: '371' is given twice")]
    [InlineData("seeds = [1, x]", "s.sweep:2: seeds[1]: expected an integer")]
    [InlineData("variants = [ { set = [] } ]", "variants[0].name: missing")]
    [InlineData("slurm { partiton = gpu }", "slurm.partiton: unknown key; did you mean slurm.partition?")]
    [InlineData("stage1 { conf = quickstart_st1.conf, run = x }", "stage1: give either conf")]
    [InlineData("set = [\"model.num_identiy = 3\"]", "model.num_identiy: unknown key; did you mean model.num_identity? (run run of")]
    [InlineData("grid { model.ray_sampler.N_samples = [32, x] }", "model.ray_sampler.N_samples: expected an integer")]
    public void BadSweepFilesFailWithOneMessageNamingTheKey(string line, string expected)
    {
        using var dir = new TempDir();
        string file = Write(dir, $"base = {Base}\n{line}\n");
        var e = Assert.Throws<ConfException>(() => SweepPlan.Load(file));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFilesAndBaseAreReported()
    {
        using var dir = new TempDir();
        Assert.Contains("sweep file not found", Assert.Throws<ConfException>(() => SweepPlan.Load(dir["nope.sweep"])).Message);
        Assert.Contains("base: missing", Assert.Throws<ConfException>(() => SweepPlan.Load(Write(dir, "identities = [1]"))).Message);
        Assert.Contains("base: configuration not found", Assert.Throws<ConfException>(() => SweepPlan.Load(Write(dir, "base = nope.conf"))).Message);
        var clash = Assert.Throws<ConfException>(() => SweepPlan.Load(Write(dir, $"base = {Base}\nvariants = [{{ name = stage1 }}]\nstage1 {{ conf = quickstart_st1.conf }}")));
        Assert.Contains("would be named 'stage1'", clash.Message);
    }

    [Fact]
    public void TheShippedSweepsExpandAndTheirConfigurationsBind()
    {
        var pr = SweepPlan.Load(TestSupport.DataPath("..", "sweeps", "pr30_stage2.conf"));
        Assert.Equal(30, pr.Runs.Count);
        Assert.Equal("371", pr.Runs[0].Name);
        Assert.Equal("635", pr.Resolve(pr.Runs[29]).Dataset.ScanId);
        Assert.Equal("/data/PR", pr.Resolve(pr.Runs[29]).Dataset.DataDir);
        Assert.Equal(pr.Stage1!.Folder, pr.Resolve(pr.Runs[29]).Train.InitCheckpoint);
        Assert.Equal(31, pr.Resolve(pr.Stage1).Model.NumIdentity);
        Assert.Contains("#SBATCH --array=0-29%10\n", SlurmExecutor.Scripts(pr, new SlurmSettings(), "headrecon", "cuda", "/w")[1].Text);

        var abl = SweepPlan.Load(TestSupport.DataPath("..", "sweeps", "ablation_quickstart.conf"));
        Assert.Equal(9, abl.Runs.Count);
        Assert.Equal("hashgrid", abl.Resolve(abl.Runs[3]).Model.DisplacementNetwork.Encoding);
        Assert.Equal(16, abl.Resolve(abl.Runs[8]).Model.RaySampler.NSamplesEval);
        Assert.Null(abl.Stage1);
    }
}
