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
        const int rays = 6, samples = 5;
        var batch = TrainingStepTests.SmallBatch(rays, 0);
        var z = linspace(0.5, 2.0, samples).expand(rays, samples).contiguous();
        var geo = m.deform_temp_geo_network;
        long d = PerPoint(geo.deform_net), t = PerPoint(geo.implicit_net), col = PerPoint(m.Color);
        long expected;
        if (m.Stage == "stage1")
        {
            // Forward D, T, C with backward (3 each); ∇s₁ through T and D and ∇Σ Δx through D, each 1 + 2 for its double
            // backward, less ∂/∂g in the seeded top layer of T (∇s₁) and of D (∇Σ Δx).
            expected = 3 * d + 3 * t + 3 * col + 3 * (t + d) - TopLayer(geo.implicit_net) + 3 * d - TopLayer(geo.deform_net);
        }
        else
        {
            var disp = ((Stage2Model)m).displacement_network;
            long x = PerPoint(disp);
            // Forward D, T, δ, C (3 each); ∇s₁ (T, D), ∇δ (δ, T, D), ∇Σ Δx (D), each 3, less the seeded top layers.
            expected = 3 * (d + t + x + col) + 3 * (t + d) - TopLayer(geo.implicit_net) + 3 * (x + t + d) - TopLayer(disp) + 3 * d - TopLayer(geo.deform_net);
        }
        using var count = MatmulCount.Start();
        _ = m.Render(batch, fixedZVals: z);
        Assert.Equal(rays * samples * expected, count.WithBackward);
    }

    [Fact]
    public void SamplerStyleQueriesCountForwardsOnly()
    {
        manual_seed(4);
        using var m = ModelFactory.Create(BenchmarkSuiteTests.Tiny("quickstart_st2.conf").Model);
        var geo = m.deform_temp_geo_network;
        long perPoint = PerPoint(geo.deform_net) + PerPoint(geo.implicit_net) + PerPoint(((Stage2Model)m).displacement_network);
        using var count = MatmulCount.Start();
        using (no_grad()) m.SdfValues(randn(13, 3), m.ShapeCode(0));
        Assert.Equal((13 * perPoint, 0L, 0L), (count.Forward, count.GradientPasses, count.Backward));
    }
}
