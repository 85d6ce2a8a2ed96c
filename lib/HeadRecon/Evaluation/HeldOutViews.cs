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
    public static HeadDataset? Select(HeadConf conf, HeadDataset trained, int identity)
    {
        string name = trained.IdentityNames[identity];
        var used = trained.Views.Where(v => v.IdentityIndex == identity).Select(v => v.ViewName).ToHashSet(StringComparer.Ordinal);
        var options = conf.Dataset with { ScanId = name, InitViewPath = "", SparseViewNum = 0, FineTuneFlag = false };
        // A person fitted with fine_tune_flag is not in the id list the run trained on: look it up in the dataset's full list.
        if (conf.Dataset.FineTuneFlag && name == conf.Dataset.ScanId) options = options with { IdList = new DatasetOptions().IdList };
        HeadDataset all;
        try { all = DatasetLoader.Load(options, conf.Train.Seed); }
        catch (DatasetException) { return null; }
        var rest = all.Views.Where(v => !used.Contains(v.ViewName)).Select(v => v with { IdentityIndex = identity, IdentityName = name }).ToList();
        return rest.Count == 0 ? null : new HeadDataset(rest, trained.IdentityNames, all.WorldToDatasetScale, all.ScaleMat, all.UnitsToMm, all.Source + " (held out)");
    }

    /// <summary>At most <paramref name="max"/> of <paramref name="count"/> views, spread evenly over them.</summary>
    public static IReadOnlyList<int> Spread(int count, int max) =>
        count <= max ? [.. Enumerable.Range(0, count)] : [.. Enumerable.Range(0, max).Select(k => k * count / max)];
}
