using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadRecon.Data;

/// <summary>
/// alignment.json: the similarity x_template = s·R·x + t from a dataset's frame (where its loader puts the cameras:
/// for an IDR scene the normalised frame, P = world_mat·scale_mat) into a template's canonical frame. With
/// <c>dataset.alignment = FILE</c> (relative paths against dataset.data_dir) every loader's cameras are moved into the
/// template frame at load time (<see cref="Apply"/>), so a pre-trained template starts in place; <c>headrecon train</c>
/// copies the file into the run folder, and meshes of the run go back through the inverse before the dataset's own
/// units (<see cref="Training.TrainedRun.ToDatasetUnits"/>), i.e. they come out in the scene's frame.
/// </summary>
public static class AlignmentFile
{
    public const string FileName = "alignment.json";

    public static void Write(string path, Similarity datasetToTemplate, string method, JsonObject? details = null)
    {
        var doc = new JsonObject
        {
            ["description"] = "x_template = scale * rotation @ x_dataset + translation (dataset = the loader's frame, e.g. an IDR scene's normalised frame)",
            ["method"] = method,
        };
        foreach (var (k, v) in datasetToTemplate.ToJson()) doc[k] = v?.DeepClone();
        if (details is not null) doc["details"] = details;
        IO.JsonFiles.Write(path, doc);
    }

    public static Similarity Read(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: alignment file not found");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException ex) { throw new DatasetException($"{path}: malformed JSON ({ex.Message})", ex); }
        return Similarity.FromJson(node, path);
    }

    /// <summary>dataset.alignment resolved: rooted paths as given, relative ones against data_dir; null when unset.</summary>
    public static string? Resolve(Config.DatasetOptions options) =>
        string.IsNullOrWhiteSpace(options.Alignment) ? null
        : Path.IsPathRooted(options.Alignment) ? options.Alignment : Path.Combine(options.DataDir, options.Alignment);

    /// <summary>The dataset with every camera moved into the template frame (intrinsics unchanged) and the transform recorded.</summary>
    public static HeadDataset Apply(HeadDataset dataset, Similarity datasetToTemplate)
    {
        if (Data.LinearAlgebra.Det3(datasetToTemplate.Rotation) < 0) throw new DatasetException("the alignment is a reflection; cameras cannot be moved by it");
        var views = dataset.Views.Select(v => v with { CameraToWorld = datasetToTemplate.ApplyToCameraToWorld(v.CameraToWorld) }).ToList();
        return new HeadDataset(views, dataset.IdentityNames, dataset.WorldToDatasetScale, dataset.ScaleMat, dataset.UnitsToMm, dataset.Source + " (aligned)")
        {
            Alignment = datasetToTemplate,
        };
    }
}
