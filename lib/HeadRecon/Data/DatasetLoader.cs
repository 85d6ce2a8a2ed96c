using HeadRecon.Config;

namespace HeadRecon.Data;

/// <summary>Picks the loader named by dataset.format ("pr", "idr", "facescape").</summary>
public static class DatasetLoader
{
    public static HeadDataset Load(DatasetOptions options, int seed = 0) => options.FormatFamily switch
    {
        "pr" => PrDataset.Load(options, seed),
        "idr" => IdrDataset.Load(options),
        "facescape" => FaceScapeDataset.Load(options),
        _ => throw new DatasetException($"{options.DataDir}: unknown dataset format '{options.Format}' (expected pr, idr or facescape)"),
    };
}
