using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HeadRecon.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>Where a run stands: the iteration reached and what is needed to continue it exactly.</summary>
public sealed record CheckpointMeta(int Iteration, int TotalIterations, string Stage, double LearningRate, int Seed, double PeAlpha, string Created)
{
    /// <summary>SHA-256 (hex) over every other member, name and bytes (see <see cref="Checkpoint.ContentHash"/>); null in checkpoints written before it existed.</summary>
    public string? ContentSha256 { get; init; }
    /// <summary>Wall seconds spent training up to <see cref="Iteration"/>, summed over resumes (0 in older checkpoints),
    /// so a reused run still reports what it cost.</summary>
    public double TrainSeconds { get; init; }
}

/// <summary>
/// A checkpoint is one zip file: the parameters as .npy members under "param/&lt;PyTorch name&gt;" (the layout of
/// the reference vectors, readable by numpy and loadable by name into either stage), the Adam state, and meta.json
/// with a SHA-256 of the other members. Written atomically (<see cref="AtomicFile"/>), so a kill at any moment leaves
/// the previous checkpoint intact; every read checks each member's zip CRC and the content hash, so a damaged file
/// fails with one error naming it instead of loading wrong weights.
/// </summary>
public static class Checkpoint
{
    static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public const string ModelPrefix = "param/";
    public const string MetaMember = "meta.json";
    public const string OptimizerMember = "optimizer.bin";
    /// <summary>Occupancy grids: "occupancy/&lt;identity&gt;.bin" (a byte per cell) and ".json" (built_at, threshold).</summary>
    public const string OccupancyPrefix = "occupancy/";

    /// <summary>Writes the checkpoint; with <paramref name="keepPreviousAs"/> the checkpoint it replaces is kept under that name.
    /// <paramref name="extraMembers"/> (e.g. the occupancy grids) are stored and hashed like the rest.</summary>
    public static void Save(string path, nn.Module model, OptimizerHelper? optimizer, CheckpointMeta meta, string? keepPreviousAs = null,
                            IEnumerable<(string Name, byte[] Bytes)>? extraMembers = null)
    {
        var members = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, t) in model.state_dict())
        {
            using var ms = new MemoryStream();
            var cpu = t.detach().to(float32).cpu().contiguous();
            Npy.WriteNpy(ms, cpu.data<float>().ToArray(), cpu.shape);
            members.Add((ModelPrefix + name + ".npy", ms.ToArray()));
        }
        if (optimizer is not null)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(w);
            members.Add((OptimizerMember, ms.ToArray()));
        }
        members.AddRange(extraMembers ?? []);
        var withHash = meta with { ContentSha256 = ContentHash(members) };
        members.Add((MetaMember, JsonSerializer.SerializeToUtf8Bytes(withHash, IndentedJson)));
        AtomicFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, bytes) in members)
            {
                var e = zip.CreateEntry(name, CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(bytes);
            }
        }, keepPreviousAs);
    }

    /// <summary>Reads and verifies a checkpoint (zip structure, every member's CRC-32, the content hash in meta.json).</summary>
    public static CheckpointFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: checkpoint not found", path);
        var members = new List<(string Name, byte[] Bytes)>();
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                var bytes = ms.ToArray();
                if (bytes.Length != e.Length || Crc32.HashToUInt32(bytes) != e.Crc32)
                    throw new InvalidDataException($"{path}: damaged checkpoint (member {e.FullName} fails its CRC check)");
                members.Add((e.FullName, bytes));
            }
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: damaged or not a checkpoint ({ex.Message.ReplaceLineEndings(" ")})", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not InvalidDataException and not FileNotFoundException)
        {
            throw new IOException($"{path}: cannot read the checkpoint ({AtomicFile.Reason(ex)})", ex);
        }

        var metaBytes = members.FirstOrDefault(m => m.Name == MetaMember).Bytes
            ?? throw new InvalidDataException($"{path}: not a headrecon checkpoint (no {MetaMember})");
        CheckpointMeta meta;
        try
        {
            meta = JsonSerializer.Deserialize<CheckpointMeta>(metaBytes) ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: unreadable {MetaMember} ({ex.Message})", ex);
        }
        var content = members.Where(m => m.Name != MetaMember).ToList();
        if (meta.ContentSha256 is string expected && !string.Equals(expected, ContentHash(content), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: damaged checkpoint (its content does not match the SHA-256 in {MetaMember})");
        return new CheckpointFile(path, meta, content.ToDictionary(m => m.Name, m => m.Bytes, StringComparer.Ordinal));
    }

    public static CheckpointMeta ReadMeta(string path) => Read(path).Meta;

    /// <summary>Parameters by name (with the "param/" prefix), as <see cref="ParameterLoader"/> takes them.</summary>
    public static Dictionary<string, NpyArray> ReadParameters(string path) => Read(path).Parameters();

    public static bool LoadOptimizer(string path, OptimizerHelper optimizer) => Read(path).LoadOptimizer(optimizer);

    /// <summary>SHA-256 (lower-case hex) over the members in order: UTF-8 name, a zero byte, the length (int64 LE), the bytes.</summary>
    public static string ContentHash(IEnumerable<(string Name, byte[] Bytes)> members)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var (name, bytes) in members)
        {
            h.AppendData(Encoding.UTF8.GetBytes(name));
            h.AppendData([0]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, bytes.LongLength);
            h.AppendData(length);
            h.AppendData(bytes);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>A checkpoint file, or the latest checkpoint of a run folder.</summary>
    public static string Resolve(string pathOrRun)
    {
        if (File.Exists(pathOrRun)) return pathOrRun;
        string latest = Path.Combine(pathOrRun, "checkpoints", "latest.ckpt");
        if (File.Exists(latest)) return latest;
        throw new FileNotFoundException($"{pathOrRun}: no checkpoint file and no run folder with checkpoints/latest.ckpt", pathOrRun);
    }
}

/// <summary>A verified checkpoint in memory: its metadata, parameters and optimizer state.</summary>
public sealed class CheckpointFile
{
    readonly Dictionary<string, byte[]> _members;

    internal CheckpointFile(string path, CheckpointMeta meta, Dictionary<string, byte[]> members)
    {
        Path = path;
        Meta = meta;
        _members = members;
    }

    public string Path { get; }
    public CheckpointMeta Meta { get; }

    /// <summary>The SHA-256 of everything but meta.json: equal hashes mean bit-identical parameters and optimizer state.</summary>
    public string ContentSha256 => Checkpoint.ContentHash(_members.Select(kv => (kv.Key, kv.Value)));

    public IReadOnlyCollection<string> MemberNames => _members.Keys;

    public byte[] Member(string name) => _members[name];

    /// <summary>Parameters by name (with the "param/" prefix), as <see cref="ParameterLoader"/> takes them.</summary>
    public Dictionary<string, NpyArray> Parameters()
    {
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var (name, bytes) in _members)
        {
            if (!name.StartsWith(Checkpoint.ModelPrefix, StringComparison.Ordinal) || !name.EndsWith(".npy", StringComparison.Ordinal)) continue;
            result[name[..^4]] = Npy.Read(new MemoryStream(bytes, writable: false), $"{Path}:{name}");
        }
        return result;
    }

    public bool LoadOptimizer(OptimizerHelper optimizer)
    {
        if (!_members.TryGetValue(Checkpoint.OptimizerMember, out var bytes)) return false;
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        optimizer.load_state_dict(r);
        return true;
    }
}
