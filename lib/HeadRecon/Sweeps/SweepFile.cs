using System.Globalization;
using HeadRecon.Config;
using HeadRecon.Pipelines;

namespace HeadRecon.Sweeps;

/// <summary>One axis of a grid: a configuration key and the values it takes (every combination of the axes is a run).</summary>
public sealed record GridAxis(string Key, IReadOnlyList<HoconValue> Values);

/// <summary>A named set of keys, e.g. an ablation option against its baseline.</summary>
public sealed record SweepVariant(string Name, IReadOnlyList<string> Overrides);

/// <summary>The stage-1 run the sweep's runs start from: trained by the sweep (<see cref="Conf"/>) or an existing run folder (<see cref="Run"/>).</summary>
public sealed record Stage1Spec(string? Conf, IReadOnlyList<string> Overrides, string? Run, SlurmSettings Slurm);

/// <summary>Meshing and evaluation after training: ground truth per identity ({id} and {data_dir} are replaced).</summary>
public sealed record EvaluationSettings(string GroundTruth, int? Resolution, int Views, int Samples, double? UnitsToMm);

/// <summary>Resources of one Slurm task; unset values are left to the cluster's defaults.</summary>
public sealed record SlurmSettings
{
    public string? Partition { get; init; }
    public string? Time { get; init; }
    public int? CpusPerTask { get; init; }
    public string? Gpus { get; init; }
    public string? Mem { get; init; }
    public int? Throttle { get; init; }
    public string? Account { get; init; }
    public string? Qos { get; init; }
    /// <summary>Seconds before the time limit at which Slurm warns the task (it checkpoints, stops and requeues itself); default 300.</summary>
    public int? SignalSeconds { get; init; }
    /// <summary>More #SBATCH options, as written after "#SBATCH " (e.g. "--constraint=a100").</summary>
    public IReadOnlyList<string> Sbatch { get; init; } = [];
    /// <summary>Shell lines run before the task (e.g. "module load cuda").</summary>
    public IReadOnlyList<string> Setup { get; init; } = [];
    /// <summary>How the compute nodes start headrecon (shell text); default: this very program by absolute path.</summary>
    public string? Command { get; init; }

    /// <summary>Values set in <paramref name="over"/> win (lists are appended).</summary>
    public SlurmSettings With(SlurmSettings over) => new()
    {
        Partition = over.Partition ?? Partition, Time = over.Time ?? Time, CpusPerTask = over.CpusPerTask ?? CpusPerTask,
        Gpus = over.Gpus ?? Gpus, Mem = over.Mem ?? Mem, Throttle = over.Throttle ?? Throttle, Account = over.Account ?? Account,
        Qos = over.Qos ?? Qos, SignalSeconds = over.SignalSeconds ?? SignalSeconds,
        Sbatch = [.. Sbatch, .. over.Sbatch], Setup = [.. Setup, .. over.Setup], Command = over.Command ?? Command,
    };
}

/// <summary>What an Indexed Job needs that a sweep file cannot guess: the image, and where the shared folder is mounted.</summary>
public sealed record KubernetesSettings
{
    public string? Image { get; init; }
    public string? Namespace { get; init; }
    public string? Cpu { get; init; }
    public string? Memory { get; init; }
    public int? Gpus { get; init; }
    public int? Parallelism { get; init; }
    public string? VolumeClaim { get; init; }
    public string? MountPath { get; init; }
    /// <summary>The program in the image (default "headrecon").</summary>
    public IReadOnlyList<string> Command { get; init; } = ["headrecon"];
    public int BackoffLimitPerIndex { get; init; } = 3;
}

/// <summary>
/// A sweep file (HOCON, read with the project's own <see cref="Hocon"/> reader): a base configuration, the identities
/// (dataset.scan_id), seeds (train.seed), a grid and/or named variants of overrides, optionally the stage-1 run every run
/// starts from, evaluation, and Slurm/Kubernetes resources. Paths in it (base, out, stage1.conf, stage1.run, evaluate.gt)
/// are relative to the sweep file; the strings in "set" are --set overrides and keep the configuration's meaning.
/// Strict like the confs: an unknown key or a wrong type is one error naming file, line and key.
/// </summary>
public sealed record SweepSpec(
    string File, string Name, string BaseConf, string OutDir, IReadOnlyList<string> Overrides,
    IReadOnlyList<string>? Identities, IReadOnlyList<int>? Seeds, IReadOnlyList<GridAxis> Grid, IReadOnlyList<SweepVariant>? Variants,
    Stage1Spec? Stage1, EvaluationSettings? Evaluate, SlurmSettings Slurm, KubernetesSettings Kubernetes)
{
    static readonly string[] TopKeys = ["name", "base", "out", "set", "identities", "seeds", "grid", "variants", "stage1", "evaluate", "slurm", "k8s"];
    static readonly string[] SlurmKeys = ["partition", "time", "cpus_per_task", "gpus", "mem", "throttle", "account", "qos", "signal_seconds", "sbatch", "setup", "command"];
    static readonly string[] K8sKeys = ["image", "namespace", "cpu", "memory", "gpus", "parallelism", "volume_claim", "mount_path", "command", "backoff_limit_per_index"];

    public static SweepSpec Load(string path)
    {
        string file = Path.GetFullPath(path);
        if (!System.IO.File.Exists(file)) throw new ConfException($"sweep file not found ({file})", path);
        var root = Hocon.ParseFile(file);
        var r = new Reader(file);
        r.Keys(root, "", TopKeys);
        string dir = Path.GetDirectoryName(file)!;
        string name = r.String(root, "name") ?? Path.GetFileNameWithoutExtension(file);
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw r.Error(root["name"] ?? root, "name", $"'{name}' must be letters, digits, '-', '_' or '.' (it names the Slurm job and the output folder)");
        string baseConf = FindConf(r, root, "base", dir) ?? throw r.Error(root, "base", "missing: the configuration every run starts from (e.g. base = face_st2.conf)");
        string outDir = Path.GetFullPath(r.String(root, "out") ?? Path.Combine("runs", name), dir);

        var identities = r.StringList(root, "identities");
        var seeds = r.IntList(root, "seeds");
        var grid = new List<GridAxis>();
        if (root["grid"] is { } g)
        {
            if (g is not HoconObject go) throw r.Error(g, "grid", "expected an object of key = [values], e.g. grid { \"train.num_pixels\" = [512, 1024] }");
            Flatten(r, go, [], grid);
        }
        List<SweepVariant>? variants = null;
        if (root["variants"] is { } vs)
        {
            if (vs is not HoconArray va || va.Items.Count == 0) throw r.Error(vs, "variants", "expected a non-empty list of { name = ..., set = [...] }");
            variants = [];
            for (int i = 0; i < va.Items.Count; i++)
            {
                string key = $"variants[{i}]";
                if (va.Items[i] is not HoconObject vo) throw r.Error(va.Items[i], key, "expected { name = ..., set = [...] }");
                r.Keys(vo, key, ["name", "set"]);
                string vn = r.String(vo, "name", key) ?? throw r.Error(vo, key + ".name", "missing");
                if (variants.Any(v => v.Name == vn)) throw r.Error(vo, key + ".name", $"'{vn}' is given twice");
                variants.Add(new SweepVariant(vn, r.StringList(vo, "set", key) ?? []));
            }
        }
        Stage1Spec? stage1 = null;
        if (root["stage1"] is { } s1)
        {
            if (s1 is not HoconObject so) throw r.Error(s1, "stage1", "expected { conf = ..., set = [...] } or { run = FOLDER }");
            r.Keys(so, "stage1", ["conf", "set", "run", "slurm"]);
            string? conf = FindConf(r, so, "conf", dir, "stage1");
            string? run = r.String(so, "run", "stage1") is string rr ? Path.GetFullPath(rr, dir) : null;
            if ((conf is null) == (run is null)) throw r.Error(so, "stage1", "give either conf (the sweep trains stage 1 first) or run (an existing stage-1 run folder)");
            stage1 = new Stage1Spec(conf, r.StringList(so, "set", "stage1") ?? [], run, ReadSlurm(r, so["slurm"], "stage1.slurm"));
        }
        EvaluationSettings? evaluate = null;
        if (root["evaluate"] is { } ev)
        {
            if (ev is not HoconObject eo) throw r.Error(ev, "evaluate", "expected { gt = \"gt/{id}.ply\", resolution = 256, views = 4 }");
            r.Keys(eo, "evaluate", ["gt", "resolution", "views", "samples", "units_to_mm"]);
            string gt = r.String(eo, "gt", "evaluate") ?? throw r.Error(eo, "evaluate.gt", "missing: the ground-truth mesh, with {id} for the identity");
            evaluate = new EvaluationSettings(gt.Contains("{data_dir}", StringComparison.Ordinal) ? gt : Path.GetFullPath(gt, dir),
                r.Int(eo, "resolution", "evaluate"), r.Int(eo, "views", "evaluate") ?? 4, r.Int(eo, "samples", "evaluate") ?? 100_000, r.Double(eo, "units_to_mm", "evaluate"));
        }
        return new SweepSpec(file, name, baseConf, outDir, r.StringList(root, "set") ?? [], identities, seeds, grid, variants, stage1, evaluate,
            ReadSlurm(r, root["slurm"], "slurm"), ReadKubernetes(r, root["k8s"]));
    }

    static string? FindConf(Reader r, HoconObject obj, string key, string dir, string prefix = "")
    {
        if (r.String(obj, key, prefix) is not string p) return null;
        string local = Path.GetFullPath(p, dir);
        if (System.IO.File.Exists(local)) return local;
        try { return ConfPaths.Find(p); }
        catch (FileNotFoundException) { throw r.Error(obj[key]!, Join(prefix, key), $"configuration not found: {local} (nor in confs/)"); }
    }

    static void Flatten(Reader r, HoconObject obj, List<string> path, List<GridAxis> axes)
    {
        foreach (var (k, v) in obj.Fields)
        {
            var p = new List<string>(path) { k };
            string key = Hocon.JoinPath(p);
            switch (v)
            {
                case HoconArray a when a.Items.Count > 0: axes.Add(new GridAxis(string.Join('.', p), a.Items)); break;
                case HoconObject o: Flatten(r, o, p, axes); break;
                default: throw r.Error(v, "grid." + key, "expected a non-empty list of values, e.g. [32, 64]");
            }
        }
    }

    static SlurmSettings ReadSlurm(Reader r, HoconValue? v, string prefix)
    {
        if (v is null) return new SlurmSettings();
        if (v is not HoconObject o) throw r.Error(v, prefix, "expected { partition = ..., time = \"04:00:00\", ... }");
        r.Keys(o, prefix, SlurmKeys);
        return new SlurmSettings
        {
            Partition = r.String(o, "partition", prefix), Time = r.String(o, "time", prefix), CpusPerTask = r.Int(o, "cpus_per_task", prefix),
            Gpus = r.String(o, "gpus", prefix), Mem = r.String(o, "mem", prefix), Throttle = r.Int(o, "throttle", prefix),
            Account = r.String(o, "account", prefix), Qos = r.String(o, "qos", prefix), SignalSeconds = r.Int(o, "signal_seconds", prefix),
            Sbatch = r.StringList(o, "sbatch", prefix) ?? [], Setup = r.StringList(o, "setup", prefix) ?? [], Command = r.String(o, "command", prefix),
        };
    }

    static KubernetesSettings ReadKubernetes(Reader r, HoconValue? v)
    {
        if (v is null) return new KubernetesSettings();
        if (v is not HoconObject o) throw r.Error(v, "k8s", "expected { image = ..., volume_claim = ..., mount_path = ... }");
        r.Keys(o, "k8s", K8sKeys);
        return new KubernetesSettings
        {
            Image = r.String(o, "image", "k8s"), Namespace = r.String(o, "namespace", "k8s"), Cpu = r.String(o, "cpu", "k8s"),
            Memory = r.String(o, "memory", "k8s"), Gpus = r.Int(o, "gpus", "k8s"), Parallelism = r.Int(o, "parallelism", "k8s"),
            VolumeClaim = r.String(o, "volume_claim", "k8s"), MountPath = r.String(o, "mount_path", "k8s"),
            Command = r.StringList(o, "command", "k8s") ?? ["headrecon"], BackoffLimitPerIndex = r.Int(o, "backoff_limit_per_index", "k8s") ?? 3,
        };
    }

    static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    /// <summary>Typed access with errors that name the file, line and full key.</summary>
    sealed class Reader(string file)
    {
        public ConfException Error(HoconValue at, string key, string message) => new(message, at.Source.File == file ? at.Source : new ConfSource(file, 0), key);

        public void Keys(HoconObject obj, string prefix, string[] allowed)
        {
            foreach (var (k, v) in obj.Fields)
            {
                if (allowed.Contains(k, StringComparer.Ordinal)) continue;
                string best = allowed.OrderBy(a => ConfLoader.Levenshtein(a, k)).First();
                throw Error(v, Join(prefix, k), $"unknown key; did you mean {Join(prefix, best)}? (known: {string.Join(", ", allowed)})");
            }
        }

        public string? String(HoconObject obj, string key, string prefix = "") => obj[key] switch
        {
            null or HoconScalar { Kind: HoconKind.Null } => null,
            HoconScalar s => s.Text,
            var v => throw Error(v, Join(prefix, key), $"expected a string, got {v.Describe()}"),
        };

        public int? Int(HoconObject obj, string key, string prefix = "") => obj[key] switch
        {
            null or HoconScalar { Kind: HoconKind.Null } => null,
            HoconScalar { Kind: HoconKind.Number } s when int.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) => i,
            var v => throw Error(v, Join(prefix, key), $"expected an integer, got {v.Describe()}"),
        };

        public double? Double(HoconObject obj, string key, string prefix = "") => obj[key] switch
        {
            null or HoconScalar { Kind: HoconKind.Null } => null,
            HoconScalar { Kind: HoconKind.Number } s => s.DoubleValue,
            var v => throw Error(v, Join(prefix, key), $"expected a number, got {v.Describe()}"),
        };

        public IReadOnlyList<string>? StringList(HoconObject obj, string key, string prefix = "")
        {
            if (obj[key] is not { } v) return null;
            if (v is not HoconArray a) throw Error(v, Join(prefix, key), $"expected a list like [a, b], got {v.Describe()}");
            var list = new List<string>();
            for (int i = 0; i < a.Items.Count; i++)
            {
                if (a.Items[i] is not HoconScalar { Kind: not HoconKind.Null } s) throw Error(a.Items[i], $"{Join(prefix, key)}[{i}]", $"expected a string, got {a.Items[i].Describe()}");
                if (list.Contains(s.Text)) throw Error(s, $"{Join(prefix, key)}[{i}]", $"'{s.Text}' is given twice");
                list.Add(s.Text);
            }
            return list;
        }

        public IReadOnlyList<int>? IntList(HoconObject obj, string key)
        {
            var texts = StringList(obj, key);
            if (texts is null) return null;
            var a = (HoconArray)obj[key]!;
            return texts.Select((t, i) => int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && a.Items[i].Kind == HoconKind.Number
                ? n : throw Error(a.Items[i], $"{key}[{i}]", $"expected an integer, got {a.Items[i].Describe()}")).ToList();
        }
    }
}
