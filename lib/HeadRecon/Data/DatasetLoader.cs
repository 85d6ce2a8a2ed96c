using HeadRecon.Config;

namespace HeadRecon.Data;

/// <summary>Picks the loader named by dataset.format ("pr", "idr", "facescape"); dataset.alignment applies a scene → template similarity.</summary>
public static class DatasetLoader
{
    /// <summary>Loads the format, then moves the cameras into the template frame when dataset.alignment names a file
    /// (<see cref="AlignmentFile"/>).</summary>
    public static HeadDataset Load(DatasetOptions options, int seed = 0)
    {
        var ds = options.FormatFamily switch
        {
            "pr" => PrDataset.Load(options, seed),
            "idr" => IdrDataset.Load(options),
            "facescape" => FaceScapeDataset.Load(options),
            _ => throw new DatasetException($"{options.DataDir}: unknown dataset format '{options.Format}' (expected pr, idr or facescape)"),
        };
        return AlignmentFile.Resolve(options) is { } path ? AlignmentFile.Apply(ds, AlignmentFile.Read(path)) : ds;
    }
}
