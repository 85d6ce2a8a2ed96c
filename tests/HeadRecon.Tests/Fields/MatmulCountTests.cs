using HeadRecon.Fields;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Fields;

/// <summary><see cref="MatmulCount"/> on a tiny layer stack against counts worked out by hand.</summary>
public class MatmulCountTests
{
    static MatmulCountTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    // 5 → 7 → 6 → 2 over 11 rows: forward 2·11·(5·7 + 7·6 + 6·2) = 2·11·89 = 1958 FLOP.
    const long Rows = 11, Forward = 2 * 11 * (35 + 42 + 12), TopLayer = 2 * 11 * 12;

    static LayerStack Stack() => new([5, 7, 6, 2], [], SkipStyle.BeforeLayer);

    static Tensor Relu(Tensor h) => TorchSharp.torch.nn.functional.relu(h);

    [Fact]
    public void NothingIsCountedWhenNoCountIsActive()
    {
        var s = Stack();
        s.Forward(randn(Rows, 5), Relu);
        using var c = MatmulCount.Start();
        Assert.Equal(0, c.WithBackward);
        Assert.Same(c, MatmulCount.Active);
        c.Dispose();
        Assert.Null(MatmulCount.Active);
    }

    [Fact]
    public void NoGradForwardCostsItsProductsOnly()
    {
        var s = Stack();
        using var c = MatmulCount.Start();
        using (no_grad()) s.Forward(randn(Rows, 5), Relu);
        Assert.Equal((Forward, 0L, 0L), (c.Forward, c.GradientPasses, c.Backward));
    }

    [Fact]
    public void RecordedForwardAddsWeightGradientsAndTheInputGradientsThatAreNeeded()
    {
        var s = Stack();
        using var c = MatmulCount.Start();
        // Input without grad: every weight gradient (1958) and the input gradients of layers 1 and 2 only, 2·11·(42 + 12) = 1188.
        s.Forward(randn(Rows, 5), Relu);
        Assert.Equal(Forward + 2 * 11 * (42 + 12), c.Backward);
        // Input with grad: weight and input gradient in every layer, 2F.
        var before = c.Backward;
        s.Forward(randn(Rows, 5).requires_grad_(true), Relu);
        Assert.Equal(2 * Forward, c.Backward - before);
        Assert.Equal(2 * Forward, c.Forward);
    }

    [Fact]
    public void GradientPassCostsOneProductPerLayerAndWithCreateGraphTwoMoreButForTheSeededLayer()
    {
        var s = Stack();
        using var c = MatmulCount.Start();
        using (no_grad()) s.Forward(randn(Rows, 5), Relu); // sets the rows the pass repeats
        c.GradientPass(createGraph: false, [s]);
        Assert.Equal((Forward, 0L), (c.GradientPasses, c.Backward));
        c.GradientPass(createGraph: true, [s]);
        // ∂/∂W in every layer (1958) and ∂/∂g_out in all but the top one, whose g_out is the constant seed.
        Assert.Equal((2 * Forward, 2 * Forward - TopLayer), (c.GradientPasses, c.Backward));
    }

    [Fact]
    public void SkipConnectionsCountTheirWidenedLayers()
    {
        // BeforeLayer skip at 2: 4 → 8 → (8 − 4) then cat to 8 → 3: 2·5·(4·8 + 8·4 + 8·3) = 880.
        var s = new LayerStack([4, 8, 8, 3], [2], SkipStyle.BeforeLayer);
        using var c = MatmulCount.Start();
        using (no_grad()) s.Forward(randn(5, 4), Relu);
        Assert.Equal(880, c.Forward);
    }

    [Fact]
    public void OnlyOneCountAtATime()
    {
        using var c = MatmulCount.Start();
        Assert.Throws<InvalidOperationException>(() => MatmulCount.Start());
    }
}
