using HeadRecon.IO;
using HeadRecon.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests;

/// <summary>Shared helpers: test data paths, reference vectors, tensor comparison with useful messages.</summary>
public static class TestSupport
{
    static TestSupport() => TorchRuntime.Initialize();

    public static string DataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    static readonly Dictionary<string, Dictionary<string, NpyArray>> s_cache = new();

    public static Dictionary<string, NpyArray> Reference(string file)
    {
        TorchRuntime.Initialize();
        lock (s_cache)
        {
            if (!s_cache.TryGetValue(file, out var d)) s_cache[file] = d = Npy.ReadNpz(DataPath("reference", file));
            return d;
        }
    }

    public static Tensor T(this Dictionary<string, NpyArray> d, string key)
    {
        var a = d[key];
        return a.IsInteger ? tensor(a.AsInt64(), a.Shape) : tensor(a.AsFloat32(), a.Shape);
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, reporting the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol, double rtol = 0, string what = "", int allowedOutliers = 0)
    {
        Assert.Equal(expected.shape, actual.shape.Length == expected.shape.Length ? actual.shape : actual.reshape(expected.shape).shape);
        var e = expected.to(float64).cpu();
        var a = actual.detach().reshape(expected.shape).to(float64).cpu();
        var diff = (a - e).abs();
        var tol = atol + rtol * e.abs();
        var bad = (diff > tol) | a.isnan();
        long nBad = bad.sum().item<long>();
        double maxDiff = diff.numel() == 0 ? 0 : diff.max().item<double>();
        Assert.True(nBad <= allowedOutliers, $"{what}: {nBad} of {e.numel()} elements differ beyond atol {atol:g} rtol {rtol:g}; max |diff| = {maxDiff:g}");
    }
}
