using HeadRecon.Parity;
using HeadRecon.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests;

/// <summary>Shared helpers: test data paths, reference vectors, the parity checks, tensor comparison with useful messages.</summary>
public static class TestSupport
{
    static TestSupport() => TorchRuntime.Initialize();

    public static string DataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    /// <summary>A reference file of TestData/reference, its tensors on the CPU.</summary>
    public static ReferenceFile Reference(string file)
    {
        TorchRuntime.Initialize();
        return ReferenceVectors.Open(DataPath("reference"), file, CPU);
    }

    /// <summary>Runs one check of <see cref="ParityCatalog"/> on the CPU (a mismatch fails the test with its message).</summary>
    public static void RunParity(string name)
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        ParityCatalog.Get(name).Run(new ParityContext(DataPath("reference"), CPU));
    }

    /// <summary>The catalog's check names under a prefix, for [MemberData].</summary>
    public static TheoryData<string> ParityCases(string prefix) => new(ParityCatalog.Names(prefix));

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, reporting the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol, double rtol = 0, string what = "", int allowedOutliers = 0)
    {
        var c = Comparison.Of(expected, actual, atol, rtol, what, allowedOutliers);
        Assert.True(c.Passed, c.Describe());
    }
}
