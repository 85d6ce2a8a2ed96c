using HeadRecon.Rendering;
using Xunit;
using static HeadRecon.Tests.TestSupport;

namespace HeadRecon.Tests.Rendering;

[Trait("Category", "Parity")]
public class LaplaceDensityParityTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void DensityMatchesOriginal(int row)
    {
        var r = Reference("density.npz");
        var betaParam = r["beta_param"].AsFloat32()[row];
        var density = new LaplaceDensity(betaParam, r["beta_min"].Scalar());
        Assert.Equal(r["beta"].AsFloat32()[row], density.GetBeta().item<float>(), 6);
        var expected = r.T("density")[row];
        AssertClose(expected, density.forward(r.T("sdf")), 1e-5, 1e-5, "density");
    }

    [Fact]
    public void DensityAtTheSurfaceIsHalfOverBeta()
    {
        var d = new LaplaceDensity(0.1, 1e-4);
        float v = d.forward(TorchSharp.torch.zeros(1)).item<float>();
        Assert.Equal(0.5 / 0.1001, v, 4);
    }
}
