using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadRecon.Sweeps;

/// <summary>
/// The sweep as a Kubernetes Indexed Job (written, not applied): completions = runs, parallelism = the throttle, each pod
/// runs `headrecon sweep task FILE`, which takes its run from JOB_COMPLETION_INDEX. A failed or evicted pod is retried
/// per index (backoffLimitPerIndex; evictions do not count) and resumes from the run's checkpoint: Kubernetes sends
/// SIGTERM and waits terminationGracePeriodSeconds, in which the task writes it. When the sweep trains stage 1, a plain
/// Job for it comes first and every indexed pod waits in an init container until stage 1's result.json exists. Paths are
/// this machine's: the shared folder must be mounted at the same path in the pods (k8s.volume_claim, k8s.mount_path).
/// </summary>
public static class KubernetesManifest
{
    public static string Path(SweepPlan plan) => System.IO.Path.Combine(plan.MetaDir, "k8s", $"{plan.Spec.Name}.yaml");

    /// <summary>The manifest's documents (stage-1 Job, then the Indexed Job) as JSON objects.</summary>
    public static IReadOnlyList<JsonObject> Documents(SweepPlan plan, string device, string workDir)
    {
        var k = plan.Spec.Kubernetes;
        if (string.IsNullOrWhiteSpace(k.Image))
            throw new Config.ConfException("missing: the container image the pods run (e.g. k8s { image = \"registry/headrecon:1.0\" })", plan.Spec.File, key: "k8s.image");
        if ((k.VolumeClaim is null) != (k.MountPath is null))
            throw new Config.ConfException("give both volume_claim and mount_path (the shared folder holding the data and the run folders), or neither", plan.Spec.File, key: "k8s");
        string jobName = DnsName(plan.Spec.Name);
        var docs = new List<JsonObject>();
        JsonObject? waitForStage1 = null;
        if (plan.Stage1 is { } st1)
        {
            docs.Add(Job($"{jobName}-stage1", plan, k, null, Pod(plan, k, ["--name", SweepPlan.Stage1Name], device, workDir, null)));
            string done = System.IO.Path.Combine(st1.Folder, SweepTask.ResultFile);
            waitForStage1 = new JsonObject
            {
                ["name"] = "wait-for-stage1",
                ["image"] = k.Image,
                ["command"] = new JsonArray("sh", "-c", $"until [ -f {SlurmExecutor.Quote(done)} ]; do sleep 30; done"),
                ["volumeMounts"] = Mounts(k),
            };
        }
        docs.Add(Job(jobName, plan, k, plan.Runs.Count, Pod(plan, k, [], device, workDir, waitForStage1)));
        return docs;
    }

    public static string Yaml(SweepPlan plan, string device, string workDir)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# headrecon sweep {plan.Spec.Name}: {plan.Runs.Count} runs as a Kubernetes Indexed Job (pod i = run i of `headrecon sweep plan {plan.Spec.File}`).");
        sb.AppendLine("# Written by `headrecon sweep run --emit k8s`; apply with kubectl apply -f THIS_FILE.");
        bool first = true;
        foreach (var doc in Documents(plan, device, workDir))
        {
            if (!first) sb.AppendLine("---");
            first = false;
            WriteYaml(sb, doc, 0);
        }
        return sb.ToString();
    }

    static JsonObject Job(string name, SweepPlan plan, KubernetesSettings k, int? completions, JsonObject pod)
    {
        var metadata = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "headrecon", ["headrecon/sweep"] = DnsName(plan.Spec.Name) } };
        if (k.Namespace is not null) metadata["namespace"] = k.Namespace;
        var spec = new JsonObject();
        if (completions is int n)
        {
            spec["completionMode"] = "Indexed";
            spec["completions"] = n;
            spec["parallelism"] = Math.Min(n, k.Parallelism ?? plan.Spec.Slurm.Throttle ?? n);
            spec["backoffLimitPerIndex"] = k.BackoffLimitPerIndex;
            spec["maxFailedIndexes"] = n;
        }
        else
        {
            spec["backoffLimit"] = k.BackoffLimitPerIndex;
        }
        // A pod stopped by the cluster (eviction, preemption, node drain) is retried without counting as a failure.
        spec["podFailurePolicy"] = new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject { ["action"] = "Ignore", ["onPodConditions"] = new JsonArray(new JsonObject { ["type"] = "DisruptionTarget" }) }),
        };
        spec["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["headrecon/sweep"] = DnsName(plan.Spec.Name) } }, ["spec"] = pod };
        return new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = metadata, ["spec"] = spec };
    }

    static JsonObject Pod(SweepPlan plan, KubernetesSettings k, string[] which, string device, string workDir, JsonObject? init)
    {
        var command = new JsonArray();
        foreach (var c in k.Command) command.Add(c);
        foreach (var a in new[] { "sweep", "task", plan.Spec.File }.Concat(which).Concat(["--plan", plan.Hash, "--device", device])) command.Add(a);
        var env = new JsonArray();
        foreach (var (name, value) in Runtime.TorchRuntime.LaunchEnvironment.Append(new("HEADRECON_NO_RELAUNCH", "1")))
            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        if (k.Cpu is not null) env.Add(new JsonObject { ["name"] = "HEADRECON_THREADS", ["value"] = CpuThreads(k.Cpu) });
        var limits = new JsonObject();
        if (k.Cpu is not null) limits["cpu"] = k.Cpu;
        if (k.Memory is not null) limits["memory"] = k.Memory;
        if (k.Gpus is int g) limits["nvidia.com/gpu"] = g;
        var container = new JsonObject
        {
            ["name"] = "task",
            ["image"] = k.Image,
            ["workingDir"] = workDir,
            ["command"] = command,
            ["env"] = env,
        };
        if (limits.Count > 0) container["resources"] = new JsonObject { ["requests"] = limits.DeepClone(), ["limits"] = limits };
        if (Mounts(k) is { } m) container["volumeMounts"] = m;
        var pod = new JsonObject
        {
            ["restartPolicy"] = "Never",
            ["terminationGracePeriodSeconds"] = plan.Spec.Slurm.SignalSeconds ?? SlurmExecutor.DefaultSignalSeconds,
        };
        if (init is not null) pod["initContainers"] = new JsonArray(init);
        pod["containers"] = new JsonArray(container);
        if (k.VolumeClaim is not null)
            pod["volumes"] = new JsonArray(new JsonObject { ["name"] = "shared", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = k.VolumeClaim } });
        return pod;
    }

    static JsonArray? Mounts(KubernetesSettings k) =>
        k.MountPath is null ? null : new JsonArray(new JsonObject { ["name"] = "shared", ["mountPath"] = k.MountPath });

    /// <summary>"4" → "4", "500m" → "1", "2.5" → "2": whole intra-op threads for a CPU request.</summary>
    static string CpuThreads(string cpu)
    {
        double cores = cpu.EndsWith('m') && double.TryParse(cpu[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double milli) ? milli / 1000
            : double.TryParse(cpu, NumberStyles.Float, CultureInfo.InvariantCulture, out double c) ? c : 1;
        return Math.Max(1, (int)Math.Floor(cores)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A DNS-1123 label: lower case letters, digits and '-', at most 52 characters (Kubernetes adds pod suffixes).</summary>
    public static string DnsName(string name)
    {
        var s = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (s.Length > 52) s = s[..52].TrimEnd('-');
        return s.Length == 0 ? "headrecon-sweep" : s;
    }

    /// <summary>Block-style YAML for a JSON tree; every string is written as a JSON string, which YAML reads unchanged.</summary>
    public static void WriteYaml(StringBuilder sb, JsonNode? node, int indent)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    sb.Append(pad).Append(key).Append(':');
                    if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 }) { sb.AppendLine(); WriteYaml(sb, value, indent + 2); }
                    else sb.Append(' ').AppendLine(Scalar(value));
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (item is JsonObject { Count: > 0 } io)
                    {
                        // "- key: value" then the other keys aligned under the first.
                        var inner = new StringBuilder();
                        WriteYaml(inner, io, indent + 2);
                        string text = inner.ToString();
                        sb.Append(pad).Append("- ").Append(text.AsSpan(indent + 2));
                    }
                    else if (item is JsonArray { Count: > 0 }) { sb.Append(pad).AppendLine("-"); WriteYaml(sb, item, indent + 2); }
                    else sb.Append(pad).Append("- ").AppendLine(Scalar(item));
                }
                break;
            default:
                sb.Append(pad).AppendLine(Scalar(node));
                break;
        }
    }

    static string Scalar(JsonNode? v) => v switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => v.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
    };
}
