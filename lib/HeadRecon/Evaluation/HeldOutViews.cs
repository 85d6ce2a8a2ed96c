using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Data;

namespace HeadRecon.Evaluation;

/// <summary>The views of a person that training did not see: the one selection the CLI's eval, the quickstart, the
/// comparisons and the notebooks score held-out PSNR/SSIM on.</summary>
public static class HeldOutViews
{
    /// <summary>
    /// Every image of identity <paramref name="identity"/>'s folder that the training split <paramref name="trained"/> (the
    /// run's dataset, already loaded) does not use, labelled with the run's identity index and names; null when there is
    /// none or the folder cannot be read. Only that one folder is decoded.
    /// </summary>
    public static HeadDataset? Select(HeadConf conf, HeadDataset trained, int identity) => Select(conf, trained, identity, only: null);

    /// <summary>
    /// As <see cref="Select(HeadConf, HeadDataset, int)"/>, restricted to the views named in <paramref name="only"/> (image
    /// file names, e.g. "04.png") when given: a fixed set that runs trained on different views are all scored on. A
    /// named view that training used, or that the folder lacks, and a folder that cannot be read are errors, not a
    /// silently smaller set.
    /// </summary>
    public static HeadDataset? Select(HeadConf conf, HeadDataset trained, int identity, IReadOnlyCollection<string>? only)
    {
        string name = trained.IdentityNames[identity];
        var used = trained.Views.Where(v => v.IdentityIndex == identity).Select(v => v.ViewName).ToHashSet(StringComparer.Ordinal);
        if (only?.FirstOrDefault(used.Contains) is { } seen)
            throw new ArgumentException($"held-out view {name}/{seen}: the run trained on it ({string.Join(", ", used.Order(StringComparer.Ordinal))})");
        HeadDataset all;
        try { all = LoadAllViews(conf, name); }
        catch (DatasetException) when (only is null) { return null; }
        if (only?.FirstOrDefault(v => all.Views.All(a => a.ViewName != v)) is { } missing)
            throw new ArgumentException($"held-out view {name}/{missing}: no such image in {Path.Combine(conf.Dataset.DataDir, name)}");
        var rest = all.Views.Where(v => !used.Contains(v.ViewName) && (only is null || only.Contains(v.ViewName)))
            .Select(v => v with { IdentityIndex = identity, IdentityName = name }).ToList();
        return rest.Count == 0 ? null : new HeadDataset(rest, trained.IdentityNames, all.WorldToDatasetScale, all.ScaleMat, all.UnitsToMm, all.Source + " (held out)");
    }

    /// <summary>The numbered images (NN.png / NN.jpg, any case) of a PR-layout identity folder, by view number.</summary>
    public static IReadOnlyList<(int Number, string Name)> Images(string identityDir) =>
        [.. Directory.EnumerateFiles(identityDir).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg")
            .Select(f => (Number: int.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1, Name: Path.GetFileName(f)))
            .Where(i => i.Number > 0).OrderBy(i => i.Number)];

    /// <summary>At most <paramref name="max"/> of <paramref name="count"/> views, spread evenly over them.</summary>
    public static IReadOnlyList<int> Spread(int count, int max) =>
        count <= max ? [.. Enumerable.Range(0, count)] : [.. Enumerable.Range(0, max).Select(k => k * count / max)];

    /// <summary>Every view of one identity of the run's dataset folder. A person fitted with fine_tune_flag is outside the
    /// folder's id list (the flag appends it), so the loader is given a view JSON that lists all its images.</summary>
    static HeadDataset LoadAllViews(HeadConf conf, string name)
    {
        var options = conf.Dataset with { ScanId = name, SparseViewNum = 0 };
        if (!conf.Dataset.FineTuneFlag || name != conf.Dataset.ScanId)
            return DatasetLoader.Load(options with { InitViewPath = "", FineTuneFlag = false }, conf.Train.Seed);
        string dir = Path.Combine(conf.Dataset.DataDir, name);
        if (!Directory.Exists(dir)) throw new DatasetException($"{dir}: identity folder not found");
        var numbers = Images(dir).Select(i => i.Number).ToArray();
        string json = Path.Combine(Path.GetTempPath(), $"headrecon-views-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(json, JsonSerializer.Serialize(new { sparse_view_num = numbers.Length, info = new Dictionary<string, int[]> { [name] = numbers } }));
            return DatasetLoader.Load(options with { InitViewPath = json, FineTuneView = numbers.Length }, conf.Train.Seed);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
