using System.Globalization;
using System.Text.Json;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Training;

namespace HeadRecon.Notebooks;

/// <summary>
/// One trained run of an ablation: the row it belongs to, the person and seed it was trained for, its folder, and the
/// folders of the earlier stages it started from (their iterations and training time count towards the row's cost).
/// </summary>
public sealed record AblationRun(string Row, string Identity, int Seed, string RunDir, IReadOnlyList<string>? EarlierStages = null);

/// <summary>
/// One run scored the way every row of an ablation is: the person's mesh (largest component) against its ground truth,
/// whole head and face region (<see cref="FaceRegion.H3ds"/>, when the ground truth has landmarks), in millimetres when
/// the scale is known; PSNR/SSIM on one fixed set of held-out views shared by every row. Chamfer and F-score are null
/// when the run has no surface (marching cubes found no zero level set), the face Chamfer also when no reconstructed
/// triangle lies in the face region. Iterations and seconds are summed over the run's stages.
/// </summary>
public sealed record AblationScore(string Row, string Identity, int Seed, string Run, int Iterations, double TrainSeconds,
    double? HeadChamfer, double? FaceChamfer, double? HeadFScore, double HeldOutPsnr, double HeldOutSsim);

/// <summary>A row over its runs: each metric as mean ± sd (min–max) over the runs that have it; runs without a surface counted.</summary>
public sealed record AblationSummary(string Row, string Settings, int Runs, int WithoutSurface, double TrainSeconds,
    string HeadChamfer, string FaceChamfer, string HeldOutPsnr, string HeldOutSsim);

/// <summary>
/// The ablation notebook's measurement: fixed evaluation views, one cached score per run, rows summarised over people and
/// seeds. The rows themselves are declared in the notebook (notebooks/src/06-ablations.cs).
/// </summary>
public static class Ablation
{
    /// <summary>
    /// At most <paramref name="count"/> views of <paramref name="identity"/> that no row trains on, spread over the rest of its
    /// images: the complement of every few-view split the rows use (the data's N_view.json for each of
    /// <paramref name="viewCounts"/>), so a row with more views is not scored on images another row trained on.
    /// </summary>
    public static IReadOnlyList<string> EvaluationViews(string dataDir, string identity, IEnumerable<int> viewCounts, int count)
    {
        var used = new HashSet<int>();
        var counts = viewCounts.ToList();
        foreach (int n in counts)
        {
            string path = Path.Combine(dataDir, $"{n}_view.json");
            if (!PrDataset.ReadViewJson(path, n).TryGetValue(identity, out var views))
                throw new ArgumentException($"{path}: no view list for identity {identity}");
            used.UnionWith(views);
        }
        var images = HeldOutViews.Images(Path.Combine(dataDir, identity)).Where(i => !used.Contains(i.Number)).Select(i => i.Name).ToList();
        if (images.Count == 0)
            throw new ArgumentException($"{Path.Combine(dataDir, identity)}: every image is in a training split ({string.Join(", ", counts.Select(n => $"{n}_view.json"))})");
        return [.. HeldOutViews.Spread(images.Count, count).Select(i => images[i])];
    }

    /// <summary>
    /// Scores one run (<see cref="AblationScore"/>). The score is kept in the run folder with what it was computed from
    /// (views, mesh resolution, samples, render size, the checkpoints' iterations and times, the ground truth's size and
    /// date) and reused while those are unchanged.
    /// </summary>
    public static AblationScore Score(NotebookWorkspace ws, AblationRun r, IReadOnlyCollection<string> views)
    {
        var stages = (r.EarlierStages ?? []).Append(r.RunDir).Select(d => Checkpoint.ReadMeta(RunFolder.Open(d).LatestCheckpoint)).ToList();
        string gtPath = Path.Combine(ws.DataDir, "gt", r.Identity + ".ply");
        var gtFile = new FileInfo(gtPath);
        string key = string.Create(CultureInfo.InvariantCulture,
            $"views {string.Join(",", views)}; mesh {ws.Profile.MeshResolution}; samples {ws.Profile.EvalSamples}; side {ws.Profile.RenderMaxSide}; " +
            $"stages {string.Join(",", stages.Select(m => $"{m.Iteration}/{m.TrainSeconds:R}"))}; gt {(gtFile.Exists ? $"{gtFile.Length}/{gtFile.LastWriteTimeUtc.Ticks}" : "none")}");
        string cache = Path.Combine(r.RunDir, "ablation_score.json");
        if (File.Exists(cache))
        {
            CachedScore? saved = null;
            try { saved = JsonSerializer.Deserialize<CachedScore>(File.ReadAllText(cache)); }
            catch (JsonException) { } // unreadable: scored again below
            if (saved?.Key == key) return saved.Score with { Row = r.Row, Identity = r.Identity, Seed = r.Seed };
        }
        using var run = ws.LoadRun(r.RunDir);
        int index = run.IdentityIndex(r.Identity);
        var gt = ws.GroundTruth(r.Identity) ?? throw new ArgumentException($"{gtPath}: no ground truth for {r.Identity}");
        double? mm = run.Dataset.UnitsToMm ?? (NotebookWorkspace.IsSynthetic ? SyntheticHead.MillimetresPerUnit : null);
        string landmarks = IdentityDiscrimination.LandmarksPath(Path.Combine(ws.DataDir, "gt"), r.Identity);
        var face = File.Exists(landmarks) && mm is double m ? FaceRegion.H3ds(LandmarkFiles.Read3D(landmarks), m) : null;
        var mesh = run.ExtractMesh(index, ws.Profile.MeshResolution, largestComponent: true);
        MeshComparison? head = null, faceCmp = null;
        if (mesh.FaceCount > 0)
        {
            // A surface with nothing in the face ball (e.g. a blob from scratch) has a whole-head score but no face score.
            bool inFace = face is not null && face.Crop(mesh).FaceCount > 0;
            (head, faceCmp) = RunEvaluator.CompareHeadAndFace(mesh, gt, inFace ? face : null, mm, ws.Profile.EvalSamples);
        }
        var scores = RunEvaluator.HeldOutViews(run, index, maxSide: ws.Profile.RenderMaxSide, only: views);
        if (scores.Count != views.Count) throw new InvalidOperationException($"{r.RunDir}: {scores.Count} of the {views.Count} held-out views scored");
        var score = new AblationScore(r.Row, r.Identity, r.Seed, Path.GetFileName(r.RunDir), stages.Sum(x => x.Iteration), Math.Round(stages.Sum(x => x.TrainSeconds), 1),
            head is null ? null : head.ChamferMm ?? head.Chamfer, faceCmp is null ? null : faceCmp.ChamferMm ?? faceCmp.Chamfer, head?.FScores[^1].F,
            scores.Average(x => x.Psnr), scores.Average(x => x.Ssim));
        AtomicFile.WriteAllText(cache, JsonSerializer.Serialize(new CachedScore(key, score)));
        return score;
    }

    sealed record CachedScore(string Key, AblationScore Score);

    /// <summary>The rows in their declared order, each metric as "mean ± sd (min–max)" over the row's runs that have it.</summary>
    public static IReadOnlyList<AblationSummary> Summarise(IReadOnlyList<(string Row, string Settings)> rows, IReadOnlyList<AblationScore> scores) =>
        [.. rows.Select(row =>
        {
            var s = scores.Where(x => x.Row == row.Row).ToList();
            return new AblationSummary(row.Row, row.Settings, s.Count, s.Count(x => x.HeadChamfer is null), Math.Round(SampleStatistics.Of(s.Select(x => x.TrainSeconds)).Mean, 0),
                SampleStatistics.Of(s.Select(x => x.HeadChamfer).OfType<double>()).MeanSdRange("F3"), SampleStatistics.Of(s.Select(x => x.FaceChamfer).OfType<double>()).MeanSdRange("F3"),
                SampleStatistics.Of(s.Select(x => x.HeldOutPsnr)).MeanSdRange("F2"), SampleStatistics.Of(s.Select(x => x.HeldOutSsim)).MeanSdRange("F3"));
        })];

    /// <summary>
    /// Row <paramref name="a"/> against row <paramref name="b"/> on the same person and seed, over the pairs where both
    /// have the metric: the mean of a − b, and in how many pairs a is lower and higher (ties in neither).
    /// </summary>
    public static (double MeanDifference, int Lower, int Higher, int Pairs) Paired(IReadOnlyList<AblationScore> scores, string a, string b, Func<AblationScore, double?> metric)
    {
        var d = scores.Where(s => s.Row == a && metric(s) is not null)
            .Join(scores.Where(s => s.Row == b && metric(s) is not null), s => (s.Identity, s.Seed), s => (s.Identity, s.Seed), (x, y) => metric(x)!.Value - metric(y)!.Value)
            .ToList();
        return (d.Count == 0 ? double.NaN : d.Average(), d.Count(x => x < 0), d.Count(x => x > 0), d.Count);
    }

    /// <summary>
    /// A paired comparison in words: "{what}: +0.123 mm on average, better in 4 of 6 pairs." — better or worse by the
    /// sign of the mean, and the pairs that agree with it.
    /// </summary>
    public static string Describe(IReadOnlyList<AblationScore> scores, string what, string a, string b, Func<AblationScore, double?> metric, string unit, bool lowerIsBetter)
    {
        var (d, lower, higher, n) = Paired(scores, a, b, metric);
        if (n == 0) return $"{what}: no pair has both rows measured.";
        bool better = lowerIsBetter ? d < 0 : d > 0;
        int agree = d < 0 ? lower : d > 0 ? higher : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{what}: {(d >= 0 ? "+" : "")}{d:F3} {unit} on average, {(d == 0 ? "no change" : better ? "better" : "worse")} in {agree} of {n} pairs.");
    }

    /// <summary>
    /// One metric per row: every run as a dot and the row's mean with a min–max whisker, on an axis fitted to the data
    /// (a bar from zero would hide differences of a few percent).
    /// </summary>
    public static Plotly.NET.GenericChart Chart(string title, string yLabel, IReadOnlyList<string> rows, IReadOnlyList<AblationScore> scores, Func<AblationScore, double?> metric)
    {
        var stats = rows.Select(row => SampleStatistics.Of(scores.Where(s => s.Row == row).Select(metric).OfType<double>())).ToList();
        var runs = scores.Where(s => metric(s) is not null).ToList();
        return Plots.Dots(title, yLabel, rows, [.. stats.Select(s => s.Mean)], [.. stats.Select(s => s.Min)], [.. stats.Select(s => s.Max)],
            [.. runs.Select(s => s.Row)], [.. runs.Select(s => metric(s)!.Value)], [.. runs.Select(s => $"{s.Identity}, seed {s.Seed}")]);
    }
}
