using HeadRecon.IO;
using static TorchSharp.torch;

namespace HeadRecon.Parity;

/// <summary>One .npz of the original's reference vectors; tensors are created on the checks' device.</summary>
public sealed class ReferenceFile(string name, IReadOnlyDictionary<string, NpyArray> arrays, Device device)
{
    public string Name { get; } = name;
    public Device Device { get; } = device;
    public NpyArray this[string key] => arrays.TryGetValue(key, out var a) ? a : throw new KeyNotFoundException($"{Name}: no array '{key}'");
    public IEnumerable<string> Keys => arrays.Keys;
    public bool ContainsKey(string key) => arrays.ContainsKey(key);

    /// <summary>The array as a tensor on <see cref="Device"/> (int64 or float32).</summary>
    public Tensor T(string key)
    {
        var a = this[key];
        return a.IsInteger ? tensor(a.AsInt64(), a.Shape, device: Device) : tensor(a.AsFloat32(), a.Shape, device: Device);
    }
}

/// <summary>The reference folder (tests/HeadRecon.Tests/TestData/reference): files are read once per process.</summary>
public static class ReferenceVectors
{
    public const string RepositoryFolder = "tests/HeadRecon.Tests/TestData/reference";

    static readonly Dictionary<string, IReadOnlyDictionary<string, NpyArray>> Cache = [];

    public static ReferenceFile Open(string folder, string file, Device device)
    {
        string path = Path.GetFullPath(Path.Combine(folder, file));
        IReadOnlyDictionary<string, NpyArray>? arrays;
        lock (Cache)
        {
            if (!Cache.TryGetValue(path, out arrays))
            {
                if (!File.Exists(path)) throw new FileNotFoundException($"reference vectors not found: {path}", path);
                Cache[path] = arrays = Npy.ReadNpz(path);
            }
        }
        return new ReferenceFile(file, arrays, device);
    }

    /// <summary>The folder next to the executable (TestData/reference, as the test project copies it) or, from a
    /// checkout's root, <see cref="RepositoryFolder"/>; null when neither exists.</summary>
    public static string? Find()
    {
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, "TestData", "reference"), Path.GetFullPath(RepositoryFolder) })
            if (Directory.Exists(candidate)) return candidate;
        return null;
    }
}
