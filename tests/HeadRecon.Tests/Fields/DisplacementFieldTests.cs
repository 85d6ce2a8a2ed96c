using HeadRecon.Config;
using HeadRecon.Fields;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Fields;

/// <summary>The stage-2 displacement field's optional zero start (displacement_network.zero_init).</summary>
[Collection("GlobalTorchRng")]
public class DisplacementFieldTests
{
    static DisplacementFieldTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    [Fact]
    public void Zero_init_starts_at_zero_displacement_and_still_learns()
    {
        manual_seed(3);
        var x = rand(64, 3) - 0.5;
        var features = randn(64, 10);
        var o = new DisplacementNetworkOptions { Dims = [32, 32], DisplaceFeatureDim = 8, Multires = 4 };

        var random = new DisplacementField(o, geometryFeatureDim: 10);
        using (no_grad()) Assert.True(random.forward(x, features).narrow(1, 0, 1).abs().max().item<float>() > 1e-3, "the default init gives δ ≠ 0");

        var zero = new DisplacementField(o with { ZeroInit = true }, geometryFeatureDim: 10);
        var y = zero.forward(x, features);
        Assert.Equal(0f, y.narrow(1, 0, 1).abs().max().item<float>());
        // The features (the colour network's input) keep their random init.
        Assert.True(y.narrow(1, 1, 8).abs().max().item<float>() > 1e-3);
        // δ's scale g gets a gradient, so the displacement can grow from zero.
        y.narrow(1, 0, 1).sum().backward();
        var last = zero.Layers.Layers[^1];
        Assert.True(last.WeightG.grad!.narrow(0, 0, 1).abs().sum().item<float>() > 0);
    }
}
