using System.Security.Cryptography;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;

namespace HeadRecon.Training;

/// <summary>
/// A shipped pre-trained template (data/pretrained/template): a stage-1 run folder — conf.conf, checkpoints/latest.ckpt,
/// metrics.jsonl — plus the synthetic family it was trained on (family.json, id.txt with the pre-training identities,
/// heldout.txt with the unseen ones), template_landmarks.json and checkpoint.sha256. Opening it checks the checksum
/// and the checkpoint's own content hash; <see cref="RequireCompatible"/> checks that a run initialised from it has the
/// same geometry networks, codes and scene scale, with one error naming the first key that differs.
/// </summary>
public sealed class PretrainedTemplate
{
    public const string DefaultPath = "data/pretrained/template";
    public const string ChecksumFile = "checkpoint.sha256";

    /// <summary>Keys that must be equal for the template's parameters to mean the same thing in another run.</summary>
    public static readonly string[] GeometryKeys =
    [
        "model.deformTempGeo_network", "model.template_feature_dim", "model.dim_identity_shape", "model.dim_identity_color",
        "model.num_identity", "model.density", "dataset.cam_scale",
    ];

    PretrainedTemplate(string root, HeadConf conf, IReadOnlyList<HeadParameters> family, IReadOnlyList<string> training, IReadOnlyList<string> heldOut, string sha256)
    {
        Root = root; Conf = conf; Family = family; Training = training; HeldOut = heldOut; CheckpointSha256 = sha256;
    }

    /// <summary>The checkpoint's sha256, as verified when the template was opened: what a copy or a cache derived from it is keyed by.</summary>
    public string CheckpointSha256 { get; }

    public string Root { get; }
    public HeadConf Conf { get; }
    public IReadOnlyList<HeadParameters> Family { get; }
    public IReadOnlyList<string> Training { get; }
    public IReadOnlyList<string> HeldOut { get; }
    public IReadOnlyList<string> Identities => [.. Training, .. HeldOut];
    public string Checkpoint => Path.Combine(Root, "checkpoints", "latest.ckpt");

    /// <summary>Opens a template folder (relative paths are looked up from here and from the checkout).</summary>
    public static PretrainedTemplate Open(string path)
    {
        string root = FindInCheckout(path);
        var folder = RunFolder.Open(root);
        var conf = folder.LoadConf();
        string ckpt = Path.Combine(root, "checkpoints", "latest.ckpt");
        string sumFile = Path.Combine(root, ChecksumFile);
        if (!File.Exists(sumFile)) throw new FileNotFoundException($"{sumFile}: the template's checksum is missing", sumFile);
        string expected = File.ReadAllText(sumFile).Split(' ', 2)[0].Trim();
        string actual = Sha256(ckpt);
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{ckpt}: sha256 {actual} does not match {sumFile} ({expected}); the template is damaged or was replaced");
        _ = HeadRecon.Training.Checkpoint.Read(ckpt); // zip CRCs and the content hash
        var family = HeadFamily.Load(Path.Combine(root, "family.json"));
        var training = ReadIds(Path.Combine(root, "id.txt"));
        var heldOut = File.Exists(Path.Combine(root, "heldout.txt")) ? ReadIds(Path.Combine(root, "heldout.txt")) : [];
        if (training.Count + heldOut.Count != family.Count)
            throw new InvalidDataException($"{root}: id.txt and heldout.txt list {training.Count + heldOut.Count} identities but family.json holds {family.Count}");
        return new PretrainedTemplate(root, conf, family, training, heldOut, actual);
    }

    /// <summary>
    /// Makes a template folder from a finished stage-1 run trained on a synthetic family: the run's conf.conf,
    /// metrics.jsonl and latest checkpoint, the family's family.json, id.txt and heldout.txt (from the run's data_dir),
    /// the mean landmarks of the pre-training identities in the model frame (template_landmarks.json, what landmark
    /// alignment fits a capture to) and the checkpoint's sha256.
    /// </summary>
    public static PretrainedTemplate Pack(string runDir, string outDir)
    {
        var folder = RunFolder.Open(runDir);
        var conf = folder.LoadConf();
        string data = conf.Dataset.DataDir;
        string ckpt = Path.Combine(folder.Root, "checkpoints", "latest.ckpt");
        _ = HeadRecon.Training.Checkpoint.Read(ckpt);
        var family = HeadFamily.Load(Path.Combine(data, "gt", "family.json"));
        var training = ReadIds(Path.Combine(data, conf.Dataset.IdList));
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new IOException($"{outDir}: not empty; refusing to overwrite a template");
        Directory.CreateDirectory(Path.Combine(outDir, "checkpoints"));
        File.Copy(folder.ConfFile, Path.Combine(outDir, "conf.conf"));
        File.Copy(folder.MetricsFile, Path.Combine(outDir, "metrics.jsonl"));
        File.Copy(ckpt, Path.Combine(outDir, "checkpoints", "latest.ckpt"));
        foreach (var f in new[] { "id.txt", "heldout.txt" })
            if (File.Exists(Path.Combine(data, f))) File.Copy(Path.Combine(data, f), Path.Combine(outDir, f));
        File.Copy(Path.Combine(data, "gt", "family.json"), Path.Combine(outDir, "family.json"));
        var members = training.Select(id => family[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) - 101]).ToList(); // as TrainingMembers
        LandmarkFiles.Write3D(Path.Combine(outDir, TemplateLandmarks.FileName), TemplateLandmarks.Mean(members, conf.Dataset.CamScale),
            "model frame (XML units × cam_scale)", $"mean of the {members.Count} pre-training identities' landmarks");
        IO.AtomicFile.WriteAllText(Path.Combine(outDir, ChecksumFile), $"{Sha256(Path.Combine(outDir, "checkpoints", "latest.ckpt"))}  checkpoints/latest.ckpt\n");
        return Open(outDir);
    }

    /// <summary>Millimetres per unit of the template's frame: the synthetic family's XML unit (75 mm) over cam_scale.</summary>
    public double MillimetresPerUnit => SyntheticHead.MillimetresPerUnit / Conf.Dataset.CamScale;

    /// <summary>The pre-training identities' shape parameters (id.txt's ids, 101 = the family's first head).</summary>
    public IReadOnlyList<HeadParameters> TrainingMembers => [.. Training.Select(id => Family[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture) - 101])];

    /// <summary>How far each landmark of the pre-training identities strays from the template's (their mean), in
    /// template units: the weights of <see cref="Alignment.LandmarkAlignment.Estimate"/>.</summary>
    public IReadOnlyDictionary<string, double> LandmarkSpread => TemplateLandmarks.Spread(TrainingMembers, Conf.Dataset.CamScale);

    /// <summary>Throws one error naming the first geometry key on which <paramref name="conf"/> differs from the template's.</summary>
    public void RequireCompatible(HeadConf conf, string confName)
    {
        var diff = ConfLoader.Differences(Conf, conf).FirstOrDefault(k => GeometryKeys.Any(g => k == g || k.StartsWith(g + ".", StringComparison.Ordinal)));
        if (diff is not null)
            throw new ConfException($"{confName}: {diff} differs from the pre-trained template's ({Path.Combine(Root, "conf.conf")}); a run initialised from it must keep its geometry networks, codes and scene scale", key: diff);
    }

    /// <summary>A path relative to the checkout, found from the current directory or the program's folder upwards (like
    /// a conf); absolute or existing paths are returned as they are.</summary>
    static string FindInCheckout(string relative)
    {
        if (Path.IsPathRooted(relative) || Directory.Exists(relative)) return Path.GetFullPath(relative);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException($"{relative}: pre-trained template not found (looked here and in the checkout)");
    }

    public static string Sha256(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    static List<string> ReadIds(string path) =>
        File.Exists(path) ? File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : throw new FileNotFoundException($"{path}: the template's identity list is missing", path);
}
