using HeadRecon.Fields;
using HeadRecon.Models;
using HeadRecon.Tests.Benchmarks;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>
/// The FLOP count of a training step of each stage against the hand count from the layer sizes, at a known number of
/// points (fixed depths, so the sampler does not run): the test that the gradient passes are declared with the right paths.
/// </summary>
public class MatmulAccountingTests
{
    static MatmulAccountingTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    /// <summary>2·Σ in·out of a module's weight-normalised layers (weight_v is out × in): one forward per point.</summary>
    static long PerPoint(nn.Module module) =>
        module.named_parameters().Where(p => p.name.EndsWith("weight_v", StringComparison.Ordinal)).Sum(p => 2L * p.parameter.shape[0] * p.parameter.shape[1]);

    /// <summary>A stage's network by its checkpoint name (the test does not know the stage's type).</summary>
    static nn.Module Child(nn.Module model, string name) => model.named_children().Single(c => c.name == name).module;

    /// <summary>The last layer's share (the one a gradient pass is seeded in).</summary>
    static long TopLayer(nn.Module module) =>
        module.named_parameters().Where(p => p.name.EndsWith("weight_v", StringComparison.Ordinal)).Select(p => 2L * p.parameter.shape[0] * p.parameter.shape[1]).Last();

    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void TrainingStepMatchesTheHandCount(string file)
    {
        manual_seed(3);
        using var m = ModelFactory.Create(BenchmarkSuiteTests.Tiny(file).Model);
        m.train();
        const int Rays = 6, Samples = 5;
        var batch = TrainingStepTests.SmallBatch(Rays, 0);
        var z = linspace(0.5, 2.0, Samples).expand(Rays, Samples).contiguous();
        var geo = m.DeformTempGeoNetwork;
        long d = PerPoint(geo.DeformNet), t = PerPoint(geo.ImplicitNet), col = PerPoint(m.Color);
        long expected;
        if (m.Stage == "stage1")
        {
            // Forward D, T, C with backward (3 each); ∇s₁ through T and D and ∇Σ Δx through D, each 1 + 2 for its double
            // backward, less ∂/∂g in the seeded top layer of T (∇s₁) and of D (∇Σ Δx).
            expected = 3 * d + 3 * t + 3 * col + 3 * (t + d) - TopLayer(geo.ImplicitNet) + 3 * d - TopLayer(geo.DeformNet);
        }
        else
        {
            var disp = Child(m, "displacement_network");
            long x = PerPoint(disp);
            // Forward D, T, δ, C (3 each); ∇s₁ (T, D), ∇δ (δ, T, D), ∇Σ Δx (D), each 3, less the seeded top layers.
            expected = 3 * (d + t + x + col) + 3 * (t + d) - TopLayer(geo.ImplicitNet) + 3 * (x + t + d) - TopLayer(disp) + 3 * d - TopLayer(geo.DeformNet);
        }
        using var count = MatmulCount.Start();
        _ = m.Render(batch, fixedZVals: z);
        Assert.Equal(Rays * Samples * expected, count.WithBackward);
    }

    [Fact]
    public void SamplerStyleQueriesCountForwardsOnly()
    {
        manual_seed(4);
        using var m = ModelFactory.Create(BenchmarkSuiteTests.Tiny("quickstart_st2.conf").Model);
        var geo = m.DeformTempGeoNetwork;
        long perPoint = PerPoint(geo.DeformNet) + PerPoint(geo.ImplicitNet) + PerPoint(Child(m, "displacement_network"));
        using var count = MatmulCount.Start();
        using (no_grad()) m.SdfValues(randn(13, 3), m.ShapeCode(0));
        Assert.Equal((13 * perPoint, 0L, 0L), (count.Forward, count.GradientPasses, count.Backward));
    }
}
