using HeadRecon.Fields;
using Xunit;
using static HeadRecon.Tests.TestSupport;

namespace HeadRecon.Tests.Fields;

[Trait("Category", "Parity")]
public class PositionalEncodingParityTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void EncodingMatchesOriginalWithWindowOpen(int multires)
    {
        var r = Reference("embedder.npz");
        var pe = new PositionalEncoding(multires);
        pe.UpdateAlpha(1000); // what every network of the original does at construction
        Assert.Equal(r[$"alpha_multires{multires}"].Scalar(), pe.Alpha, 6);
        AssertClose(r.T($"window_multires{multires}"), TorchSharp.torch.tensor(Enumerable.Range(0, multires).Select(pe.Window).ToArray()), 1e-6, what: "window");
        AssertClose(r.T($"pe_multires{multires}"), pe.Encode(r.T("x")), 1e-5, what: $"pe L={multires}");
        Assert.Equal(3 + 6 * multires, pe.OutputDims);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void PartiallyClosedWindowMatchesOriginal(int multires)
    {
        var r = Reference("embedder.npz");
        var pe = new PositionalEncoding(multires);
        pe.UpdateAlpha(-0.5);
        Assert.Equal(r[$"alpha_partial_multires{multires}"].Scalar(), pe.Alpha, 6);
        AssertClose(r.T($"window_partial_multires{multires}"), TorchSharp.torch.tensor(Enumerable.Range(0, multires).Select(pe.Window).ToArray()), 1e-6, what: "window");
        AssertClose(r.T($"pe_partial_multires{multires}"), pe.Encode(r.T("x")), 1e-5, what: $"pe partial L={multires}");
    }
}
