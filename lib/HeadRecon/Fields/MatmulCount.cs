using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// Counts the FLOPs of the MLP matrix products analytically, from the layer sizes and the rows that actually pass
/// through them, while one is active on the thread (<see cref="Start"/>). When none is active the layers only read
/// one thread-static field: nothing is counted and nothing is paid.
/// </summary>
/// <remarks>
/// The accounting, with F = 2·rows·in·out for one layer's product over the rows it was given:
/// <list type="bullet">
/// <item><see cref="Forward"/>: F per layer applied, recorded by autograd or not (the sampler's no-grad queries included).</item>
/// <item>A forward autograd recorded adds to <see cref="Backward"/> F for the weight gradient (when the weight requires
/// grad) and F for the input gradient (when the layer's input requires grad).</item>
/// <item>A gradient pass (<c>autograd.grad</c> of an SDF or Δx with respect to the points: normals, eikonal, ∇Σ Δx, ∇δ)
/// adds to <see cref="GradientPasses"/> F per layer on its path: only input gradients, since <c>autograd.grad</c>
/// computes no weight gradient it was not asked for.</item>
/// <item>With create_graph the pass g_in = g_out·W is itself recorded; its backward adds F for ∂/∂W and F for ∂/∂g_out,
/// except in the pass's first layer, whose g_out is a constant (the seed of ones).</item>
/// </list>
/// Autograd sums every gradient reaching a node before running it once, so a forward layer's backward is counted once
/// however many passes feed it. <see cref="Backward"/> is what one backward through everything recorded costs: a
/// training step runs it, an eval render does not (<see cref="WithBackward"/> vs <see cref="Forward"/> +
/// <see cref="GradientPasses"/>). Not counted: elementwise work, the weight norm (out×in per layer per call), the
/// encodings and embedding lookups.
/// </remarks>
public sealed class MatmulCount : IDisposable
{
    [ThreadStatic] static MatmulCount? s_active;

    MatmulCount() { }

    /// <summary>The count active on this thread, or null (the common case: nothing is counted).</summary>
    public static MatmulCount? Active => s_active;

    /// <summary>Starts counting on this thread until the result is disposed; one count at a time.</summary>
    public static MatmulCount Start()
    {
        if (s_active is not null) throw new InvalidOperationException("a MatmulCount is already active on this thread");
        return s_active = new MatmulCount();
    }

    /// <summary>FLOPs of every layer's forward product.</summary>
    public long Forward { get; private set; }
    /// <summary>FLOPs of the first-order gradient passes with respect to the points.</summary>
    public long GradientPasses { get; private set; }
    /// <summary>FLOPs that one backward through everything recorded costs (double backward of create_graph passes included).</summary>
    public long Backward { get; private set; }
    /// <summary>Forward + gradient passes + backward: one training step's products.</summary>
    public long WithBackward => Forward + GradientPasses + Backward;

    internal void Layer(WeightNormLinear layer, long rows, bool recorded, bool inputRequiresGrad)
    {
        long f = Flop(layer, rows);
        Forward += f;
        if (!recorded) return;
        if (WeightRequiresGrad(layer)) Backward += f;
        if (inputRequiresGrad) Backward += f;
    }

    /// <param name="path">the networks the gradient passes through, starting with the one whose output is differentiated;
    /// each at the rows of its latest forward.</param>
    internal void GradientPass(bool createGraph, IReadOnlyList<LayerStack> path)
    {
        for (int s = 0; s < path.Count; s++)
        {
            var layers = path[s].Layers;
            for (int l = 0; l < layers.Count; l++)
            {
                long f = Flop(layers[l], path[s].LastRows);
                GradientPasses += f;
                if (!createGraph) continue;
                if (WeightRequiresGrad(layers[l])) Backward += f;
                bool seededByConstant = s == 0 && l == layers.Count - 1;
                if (!seededByConstant) Backward += f;
            }
        }
    }

    static long Flop(WeightNormLinear layer, long rows) => 2L * rows * layer.InFeatures * layer.OutFeatures;

    static bool WeightRequiresGrad(WeightNormLinear layer) => layer.WeightV.requires_grad || layer.WeightG.requires_grad;

    public void Dispose()
    {
        if (ReferenceEquals(s_active, this)) s_active = null;
    }

    /// <summary>Whether the layer's product is being recorded by autograd (grad mode on and something to differentiate).</summary>
    internal static bool Recorded(Tensor input, WeightNormLinear layer) => is_grad_enabled() && (input.requires_grad || WeightRequiresGrad(layer));
}
