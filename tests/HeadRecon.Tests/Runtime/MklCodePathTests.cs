using System.Runtime.Intrinsics.X86;
using HeadRecon.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Runtime;

public class MklCodePathTests
{
    static bool IsAmdWithAvx512()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> v = [ebx, edx, ecx];
        return Avx512F.IsSupported && System.Text.Encoding.ASCII.GetString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v)) == "AuthenticAMD";
    }

    [Fact]
    public void EnabledExactlyOnAmdCpusWithAvx512()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        string? env = Environment.GetEnvironmentVariable(MklCodePath.EnvironmentVariable);
        bool expected = IsAmdWithAvx512() && env != "0" && (!TorchRuntime.CudaVisible || env == "1");
        Assert.Equal(expected, MklCodePath.Enabled);
        Assert.DoesNotContain("not attempted", MklCodePath.Status);
        if (expected) Assert.Contains("vector maths unchanged", MklCodePath.Status);
    }

    [Fact]
    public void MatrixProductsStayExact()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        var g = new Generator(3);
        var a = randn([4096, 256], generator: g);
        var w = randn([256, 256], generator: g);
        var fast = a.mm(w.t());
        var exact = a.to(float64).mm(w.to(float64).t());
        // fp32 with 256-term sums: relative error ~1e-6; a wrong kernel would be far off.
        Assert.True((fast.to(float64) - exact).abs().max().item<double>() < 1e-4 * exact.abs().max().item<double>());
        var b = randn([256], generator: g);
        Assert.True((nn.functional.linear(a, w, b) - (a.mm(w.t()) + b)).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void ElfReaderFindsTheSymbolAndItsGotSlotInLibtorch()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        var lib = Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so");
        Assert.True(File.Exists(lib), lib);
        using var elf = new ElfImage(lib);
        var sym = elf.Symbol("mkl_serv_intel_cpu_true");
        Assert.NotNull(sym);
        Assert.NotEmpty(elf.GotSlots(sym.Value.Index));
        Assert.Null(elf.Symbol("no_such_symbol_anywhere"));
    }

    [Fact]
    public void ElfReaderRejectsANonElfFileNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-elf-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, new string('x', 200));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => new ElfImage(path));
            Assert.Contains(path, ex.Message);
        }
        finally { File.Delete(path); }
    }
}
