using System.Security.Cryptography;
using System.Text;
using HeadRecon.Config;

namespace HeadRecon.Sweeps;

/// <summary>
/// One run of a sweep: its position in the plan (the array index), a name derived from its settings, its own run
/// folder, the overrides applied to the base configuration and the settings that tell it apart (the table's columns).
/// </summary>
public sealed record SweepRun(int Index, string Name, string Folder, string ConfFile, IReadOnlyList<string> Overrides, IReadOnlyList<(string Column, string Value)> Settings)
{
    public const int Stage1Index = -1;
    public bool IsStage1 => Index == Stage1Index;
}

/// <summary>
/// A sweep expanded into runs: identities × variants × grid × seeds, in that order (the last varies fastest), each
/// configuration bound once so that a typo in any run fails before anything is written or submitted. Names are stable:
/// built from the settings (e.g. "371_occ_N_samples-64_seed2"), with the first 8 hex digits of the SHA-256 of the
/// settings appended when the readable part had to drop characters; never from .NET's per-process HashCode.
/// </summary>
public sealed class SweepPlan
{
    public const string Stage1Name = "stage1";
    const int MaxNameLength = 96;

    public SweepSpec Spec { get; }
    public IReadOnlyList<SweepRun> Runs { get; }
    /// <summary>The stage-1 run the sweep trains first (null when there is none, or when it is an existing folder).</summary>
    public SweepRun? Stage1 { get; }
    /// <summary>The folder every run initialises from (trained by the sweep or given), or null.</summary>
    public string? Stage1Folder { get; }
    /// <summary>First 8 hex digits of the SHA-256 of the (index, name) list: a submitted task checks it to catch a sweep file edited after submission.</summary>
    public string Hash { get; }

    SweepPlan(SweepSpec spec, IReadOnlyList<SweepRun> runs, SweepRun? stage1, string? stage1Folder)
    {
        Spec = spec; Runs = runs; Stage1 = stage1; Stage1Folder = stage1Folder;
        Hash = Sha256Prefix(string.Join('\n', runs.Select(r => $"{r.Index} {r.Name}")));
    }

    public static SweepPlan Load(string sweepFile) => Expand(SweepSpec.Load(sweepFile));

    public static SweepPlan Expand(SweepSpec spec)
    {
        SweepRun? stage1 = null;
        string? stage1Folder = spec.Stage1?.Run;
        if (spec.Stage1 is { Conf: string c1 } s1)
        {
            stage1Folder = Path.Combine(spec.OutDir, Stage1Name);
            stage1 = new SweepRun(SweepRun.Stage1Index, Stage1Name, stage1Folder, c1, s1.Overrides, []);
        }

        // Each dimension given in the file is a list of (column, value text for the name, overrides); absent ones are one empty choice.
        var dims = new List<List<Choice>>();
        if (spec.Identities is { } ids)
            dims.Add(ids.Select(id => new Choice("identity", id, id, [$"dataset.scan_id = {HoconScalar.Quote(id)}"])).ToList());
        if (spec.Variants is { } vs)
            dims.Add(vs.Select(v => new Choice("variant", v.Name, v.Name, v.Overrides)).ToList());
        var labels = GridLabels(spec.Grid);
        foreach (var axis in spec.Grid)
        {
            string label = labels[axis.Key];
            dims.Add(axis.Values.Select(v => new Choice(axis.Key, v.ToHocon(), $"{label}-{NameText(v)}", [$"{axis.Key} = {v.ToHocon()}"])).ToList());
        }
        if (spec.Seeds is { } seeds)
            dims.Add(seeds.Select(s => new Choice("seed", s.ToString(System.Globalization.CultureInfo.InvariantCulture), $"seed{s}", [$"train.seed = {s}"])).ToList());

        IEnumerable<IReadOnlyList<Choice>> combos = [[]];
        foreach (var d in dims) combos = combos.SelectMany(prefix => d.Select(choice => (IReadOnlyList<Choice>)[.. prefix, choice]));

        var runs = new List<SweepRun>();
        var byName = new Dictionary<string, SweepRun>(StringComparer.Ordinal);
        string? init = stage1Folder is null ? null : $"train.init_checkpoint = {HoconScalar.Quote(stage1Folder)}";
        foreach (var combo in combos)
        {
            string name = RunName(combo);
            var settings = combo.Select(ch => (ch.Column, ch.Value)).ToList();
            var overrides = new List<string>(spec.Overrides);
            foreach (var ch in combo) overrides.AddRange(ch.Overrides);
            if (init is not null) overrides.Add(init);
            var run = new SweepRun(runs.Count, name, Path.Combine(spec.OutDir, name), spec.BaseConf, overrides, settings);
            if (name == Stage1Name && stage1 is not null)
                throw new ConfException($"a run would be named '{Stage1Name}', the folder of the sweep's stage-1 run; rename that identity or variant", spec.File);
            if (byName.TryGetValue(name, out var other))
                throw new ConfException($"runs {other.Index} and {runs.Count} have the same settings ({Describe(settings)}); remove the duplicate", spec.File);
            byName[name] = run;
            runs.Add(run);
        }
        var plan = new SweepPlan(spec, runs, stage1, stage1Folder);
        // Bind every configuration now: an unknown key or a wrong type in any run is reported before anything runs.
        foreach (var r in plan.AllRuns) plan.Resolve(r);
        return plan;
    }

    /// <summary>Stage 1 (when the sweep trains it) followed by the runs.</summary>
    public IEnumerable<SweepRun> AllRuns => Stage1 is null ? Runs : [Stage1, .. Runs];

    /// <summary>The run's full configuration: its base conf with the sweep's, then the run's overrides.</summary>
    public HeadConf Resolve(SweepRun run)
    {
        try { return ConfLoader.Load(run.ConfFile, run.Overrides); }
        catch (ConfException e) when (e.Line == 0)
        {
            // An override has no line of its own: say which run and sweep it came from.
            throw new ConfException($"{e.Message} (run {run.Name} of {Spec.File})", inner: e);
        }
    }

    /// <summary>A run by its array index, or "stage1".</summary>
    public SweepRun Find(int index) =>
        index >= 0 && index < Runs.Count ? Runs[index]
        : throw new ArgumentException($"{Spec.File}: index {index} is outside the sweep's {Runs.Count} runs (0…{Runs.Count - 1})");

    public SweepRun Find(string name) => AllRuns.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"{Spec.File}: no run named '{name}' (runs: {string.Join(", ", AllRuns.Take(8).Select(r => r.Name))}{(Runs.Count > 8 ? ", …" : "")})");

    /// <summary>The sweep's own files (Slurm scripts and logs, manifests, the results table) live here, beside the run folders.</summary>
    public string MetaDir => Path.Combine(Spec.OutDir, "_sweep");

    readonly record struct Choice(string Column, string Value, string NamePart, IReadOnlyList<string> Overrides);

    static string Describe(IEnumerable<(string Column, string Value)> settings) => string.Join(", ", settings.Select(s => $"{s.Column} = {s.Value}"));

    /// <summary>The grid keys' last segments, or the whole key where two axes share a last segment.</summary>
    static Dictionary<string, string> GridLabels(IReadOnlyList<GridAxis> grid)
    {
        var last = grid.ToDictionary(a => a.Key, a => a.Key[(a.Key.LastIndexOf('.') + 1)..]);
        return grid.ToDictionary(a => a.Key, a => last.Values.Count(v => v == last[a.Key]) > 1 ? a.Key : last[a.Key]);
    }

    /// <summary>A value as it reads in a name: scalars as written, lists of scalars joined by 'x' ([64, 64] → 64x64).</summary>
    static string NameText(HoconValue v) => v switch
    {
        HoconScalar s => s.Text,
        HoconArray a when a.Items.All(i => i is HoconScalar) => string.Join("x", a.Items.Select(i => ((HoconScalar)i).Text)),
        _ => "\0", // not readable: forces the hash
    };

    static string RunName(IReadOnlyList<Choice> combo)
    {
        if (combo.Count == 0) return "run";
        string readable = string.Join('_', combo.Select(c => c.NamePart));
        var sb = new StringBuilder();
        foreach (char ch in readable) sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '+' ? ch : '_');
        string name = sb.ToString();
        bool lossy = name != readable || name.StartsWith('.') || name.Length > MaxNameLength;
        if (!lossy) return name;
        if (name.Length > MaxNameLength) name = name[..MaxNameLength];
        return $"{name.TrimStart('.')}-{Sha256Prefix(string.Join('\n', combo.Select(c => $"{c.Column}={c.Value}")))}";
    }

    /// <summary>The first 8 hex digits of the SHA-256 of the UTF-8 text: the same in every process and on every machine.</summary>
    public static string Sha256Prefix(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}
