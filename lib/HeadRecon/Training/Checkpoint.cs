using System.IO.Compression;
using System.Text.Json;
using HeadRecon.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>Where a run stands: the iteration reached and what is needed to continue it exactly.</summary>
public sealed record CheckpointMeta(int Iteration, int TotalIterations, string Stage, double LearningRate, int Seed, double PeAlpha, string Created);

/// <summary>
/// A checkpoint is one zip file: the parameters as .npy members under "param/&lt;PyTorch name&gt;" (the layout of
/// the reference vectors, readable by numpy and loadable by name into either stage), the Adam state, and meta.json.
/// Written to a temp file and renamed, so a kill at any moment leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    public const string ModelPrefix = "param/";

    public static void Save(string path, nn.Module model, OptimizerHelper? optimizer, CheckpointMeta meta)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        using (var fs = File.Create(tmp))
        using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
        {
            foreach (var (name, t) in model.state_dict())
            {
                var e = zip.CreateEntry(ModelPrefix + name + ".npy", CompressionLevel.NoCompression);
                using var s = e.Open();
                var cpu = t.detach().to(float32).cpu().contiguous();
                Npy.WriteNpy(s, cpu.data<float>().ToArray(), cpu.shape);
            }
            if (optimizer is not null)
            {
                var e = zip.CreateEntry("optimizer.bin", CompressionLevel.NoCompression);
                using var s = e.Open();
                using var w = new BinaryWriter(s);
                optimizer.save_state_dict(w);
            }
            var m = zip.CreateEntry("meta.json");
            using (var s = m.Open()) JsonSerializer.Serialize(s, meta, new JsonSerializerOptions { WriteIndented = true });
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static CheckpointMeta ReadMeta(string path)
    {
        using var zip = Open(path);
        var e = zip.GetEntry("meta.json") ?? throw new InvalidDataException($"{path}: not a headrecon checkpoint (no meta.json)");
        using var s = e.Open();
        return JsonSerializer.Deserialize<CheckpointMeta>(s) ?? throw new InvalidDataException($"{path}: unreadable meta.json");
    }

    /// <summary>Parameters by name (with the "param/" prefix), as <see cref="ParameterLoader"/> takes them.</summary>
    public static Dictionary<string, NpyArray> ReadParameters(string path)
    {
        using var zip = Open(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var e in zip.Entries.Where(e => e.FullName.StartsWith(ModelPrefix, StringComparison.Ordinal) && e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            using var s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            ms.Position = 0;
            result[e.FullName[..^4]] = Npy.Read(ms, $"{path}:{e.FullName}");
        }
        return result;
    }

    public static bool LoadOptimizer(string path, OptimizerHelper optimizer)
    {
        using var zip = Open(path);
        var e = zip.GetEntry("optimizer.bin");
        if (e is null) return false;
        using var s = e.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        ms.Position = 0;
        using var r = new BinaryReader(ms);
        optimizer.load_state_dict(r);
        return true;
    }

    /// <summary>A checkpoint file, or the latest checkpoint of a run folder.</summary>
    public static string Resolve(string pathOrRun)
    {
        if (File.Exists(pathOrRun)) return pathOrRun;
        string latest = Path.Combine(pathOrRun, "checkpoints", "latest.ckpt");
        if (File.Exists(latest)) return latest;
        throw new FileNotFoundException($"{pathOrRun}: no checkpoint file and no run folder with checkpoints/latest.ckpt", pathOrRun);
    }

    static ZipArchive Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found", path);
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException ex) { throw new InvalidDataException($"{path}: not a readable checkpoint ({ex.Message})", ex); }
    }
}
