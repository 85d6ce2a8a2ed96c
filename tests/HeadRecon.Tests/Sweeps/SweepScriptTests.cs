using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadRecon.Config;
using HeadRecon.Sweeps;
using Xunit;

namespace HeadRecon.Tests.Sweeps;

/// <summary>The sbatch scripts and the Kubernetes manifest a sweep turns into (the cluster itself is in SlurmClusterTests).</summary>
public class SweepScriptTests
{
    static SweepPlan Plan(TempDir dir, string extra = "", bool stage1 = true)
    {
        File.WriteAllText(dir["s.sweep"], $$"""
            name = pr30
            base = {{HoconScalar.Quote(TinySweep.Conf("quickstart_st2.conf"))}}
            out = runs
            identities = [371, 372, 373, 374]
            {{(stage1 ? "stage1 { conf = quickstart_st1.conf, slurm { time = \"2-00:00:00\", gpus = 2 } }" : "")}}
            slurm { partition = gpu, time = "04:00:00", cpus_per_task = 8, gpus = 1, mem = 32G, throttle = 2, signal_seconds = 120,
                    sbatch = ["--constraint=a100"], setup = ["module load cuda"] }
            {{extra}}
            """);
        return SweepPlan.Load(dir["s.sweep"]);
    }

    [Fact]
    public void TheArrayScriptHasOneTaskPerRunTheResourcesAndTheSignalAndRequeue()
    {
        using var dir = new TempDir();
        var plan = Plan(dir);
        var scripts = SlurmExecutor.Scripts(plan, new SlurmSettings { Partition = "long" }, "/opt/headrecon", "cuda", "/work");
        Assert.Equal(new[] { "stage1", "array" }, scripts.Select(s => s.Kind));
        string array = scripts[1].Text;
        Assert.StartsWith("#!/bin/bash\n", array);
        foreach (var line in new[]
                 {
                     "#SBATCH --array=0-3%2", "#SBATCH --partition=long", "#SBATCH --time=04:00:00", "#SBATCH --cpus-per-task=8", "#SBATCH --gpus=1",
                     "#SBATCH --mem=32G", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120", "#SBATCH --constraint=a100", "#SBATCH --chdir=/work",
                     "#SBATCH --open-mode=append", "module load cuda", "export HEADRECON_NO_RELAUNCH=1 HEADRECON_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"",
                     $"/opt/headrecon sweep task {plan.Spec.File} --plan {plan.Hash} --device cuda &",
                     "if [[ $rc -eq 75 && $requeue -eq 1 ]]; then scontrol requeue \"$SLURM_JOB_ID\"; fi",
                 })
            Assert.Contains(line + "\n", array);
        Assert.Contains($"#SBATCH --output={Path.Combine(plan.MetaDir, "slurm")}/%x-%A_%a.out", array);
        // The stage-1 job: the sweep's resources with its own on top, no array, the task named.
        string st1 = scripts[0].Text;
        Assert.DoesNotContain("--array", st1);
        Assert.Contains("#SBATCH --time=2-00:00:00\n", st1);
        Assert.Contains("#SBATCH --gpus=2\n", st1);
        Assert.Contains("#SBATCH --job-name=pr30-stage1\n", st1);
        Assert.Contains(" sweep task " + plan.Spec.File + " --name stage1 --plan ", st1);
    }

    [Fact]
    public void OnlyRunsNotDoneAndNotQueuedAreSubmitted()
    {
        using var dir = new TempDir();
        var plan = Plan(dir);
        // Stage 1 and run 1 are done; run 3 is queued in an earlier submission.
        foreach (var r in new[] { plan.Stage1!, plan.Runs[1] })
        {
            Directory.CreateDirectory(r.Folder);
            File.WriteAllText(Path.Combine(r.Folder, SweepTask.ResultFile), JsonSerializer.Serialize(
                new RunResult("pr30", r.Name, r.Index, new(), 5, 5, 1, 1, new(), null, "now"), SweepTask.Json));
        }
        var queued = new Dictionary<int, SchedulerInfo> { [3] = new("7_3", "PENDING", "Priority") };
        var scripts = SlurmExecutor.Scripts(plan, new SlurmSettings(), "hr", "auto", "/w", queued);
        var s = Assert.Single(scripts);
        Assert.Equal("array", s.Kind);
        Assert.Equal(new[] { 0, 2 }, s.Indices);
        Assert.Contains("#SBATCH --array=0,2%2\n", s.Text);
        Assert.Equal("0-2,5,7-9", SlurmExecutor.ArraySpec([9, 0, 1, 2, 5, 7, 8]));
    }

    [Fact]
    public void KubernetesIndexedJobRunsEveryIndexAfterStage1()
    {
        using var dir = new TempDir();
        var missing = Plan(dir);
        Assert.Contains("k8s.image: missing", Assert.Throws<ConfException>(() => KubernetesManifest.Documents(missing, "cuda", "/work")).Message);

        var plan = Plan(dir, "k8s { image = \"reg/headrecon:1\", gpus = 1, cpu = \"4\", memory = 16Gi, volume_claim = shared, mount_path = \"/work\" }");
        var docs = KubernetesManifest.Documents(plan, "cuda", "/work");
        Assert.Equal(2, docs.Count);
        var job = docs[1];
        Assert.Equal("batch/v1", (string?)job["apiVersion"]);
        Assert.Equal("Job", (string?)job["kind"]);
        Assert.Equal("pr30", (string?)job["metadata"]!["name"]);
        var spec = job["spec"]!;
        Assert.Equal("Indexed", (string?)spec["completionMode"]);
        Assert.Equal(4, (int)spec["completions"]!);
        Assert.Equal(2, (int)spec["parallelism"]!); // the sweep's throttle
        var pod = spec["template"]!["spec"]!;
        Assert.Equal("Never", (string?)pod["restartPolicy"]);
        Assert.Equal(120, (int)pod["terminationGracePeriodSeconds"]!);
        var container = pod["containers"]![0]!;
        Assert.Equal(new[] { "headrecon", "sweep", "task", plan.Spec.File, "--plan", plan.Hash, "--device", "cuda" }, container["command"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(1, (int)container["resources"]!["limits"]!["nvidia.com/gpu"]!);
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "HEADRECON_THREADS" && (string?)e["value"] == "4");
        Assert.Contains(Path.Combine(plan.Stage1!.Folder, "result.json"), (string)pod["initContainers"]![0]!["command"]![2]!);
        Assert.Equal("shared", (string?)pod["volumes"]![0]!["persistentVolumeClaim"]!["claimName"]);
        Assert.Equal(new[] { "headrecon", "sweep", "task", plan.Spec.File, "--name", "stage1", "--plan", plan.Hash, "--device", "cuda" },
            docs[0]["spec"]!["template"]!["spec"]!["containers"]![0]!["command"]!.AsArray().Select(n => (string)n!));

        string yaml = KubernetesManifest.Yaml(plan, "cuda", "/work");
        Assert.Contains("\n---\n", yaml);
        Assert.Contains("  completionMode: \"Indexed\"\n  completions: 4\n", yaml);
    }

    [Fact]
    public void YamlWriterNestsObjectsAndListsOfObjects()
    {
        var node = new JsonObject
        {
            ["a"] = 1,
            ["b"] = new JsonObject { ["c"] = "x: y", ["d"] = new JsonArray("p", 2) },
            ["e"] = new JsonArray(new JsonObject { ["f"] = true, ["g"] = new JsonObject { ["h"] = "i" } }, new JsonObject { ["j"] = new JsonArray() }),
        };
        var sb = new StringBuilder();
        KubernetesManifest.WriteYaml(sb, node, 0);
        Assert.Equal("""
            a: 1
            b:
              c: "x: y"
              d:
                - "p"
                - 2
            e:
              - f: true
                g:
                  h: "i"
              - j: []

            """.Replace("\r", ""), sb.ToString());
    }
}
