using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>Where the original re-injects the network input (÷√2) in its weight-normalised MLPs.</summary>
public enum SkipStyle
{
    /// <summary>ImplicitNetwork / DisplacementNetwork: concatenate before layer l when l ∈ skip_in; layer l−1 outputs
    /// dims[l] − dims[0] so the concatenation is dims[l] wide.</summary>
    BeforeLayer,

    /// <summary>RenderingNetwork: concatenate before layer l when l + 1 ∈ skip_in; that layer takes dims[l] + dims[0] inputs.</summary>
    BeforeNextLayer,
}

/// <summary>
/// The layer list of one MLP field: weight-normalised linear layers over dims[0] → … → dims[^1] with the original's
/// skip connections, an activation after every layer but the last. The owning module registers the layers as
/// lin0…linN (the original's state names).
/// </summary>
public sealed class LayerStack
{
    readonly int[] _skipIn;
    readonly SkipStyle _style;
    static readonly double InvSqrt2 = 1.0 / Math.Sqrt(2.0);

    /// <param name="initialize">called for each layer right after it is created (so seeded inits draw in the same order).</param>
    public LayerStack(int[] dims, IReadOnlyList<int> skipIn, SkipStyle style, Action<WeightNormLinear, int>? initialize = null)
    {
        _skipIn = [.. skipIn];
        _style = style;
        var layers = new WeightNormLinear[dims.Length - 1];
        for (int l = 0; l < layers.Length; l++)
        {
            bool widen = style == SkipStyle.BeforeNextLayer && _skipIn.Contains(l + 1);
            bool shrink = style == SkipStyle.BeforeLayer && _skipIn.Contains(l + 1);
            int inDim = widen ? dims[l] + dims[0] : dims[l];
            int outDim = shrink ? dims[l + 1] - dims[0] : dims[l + 1];
            if (outDim <= 0)
                throw new ArgumentException($"skip_in [{string.Join(", ", _skipIn)}]: layer {l} would have {outDim} outputs (width {dims[l + 1]} ≤ input width {dims[0]}); widen the network or move the skip");
            layers[l] = new WeightNormLinear(inDim, outDim);
            initialize?.Invoke(layers[l], l);
        }
        Layers = layers;
    }

    public IReadOnlyList<WeightNormLinear> Layers { get; }

    /// <summary>Rows of the latest forward while a <see cref="MatmulCount"/> was active (what a gradient pass through it repeats).</summary>
    internal long LastRows { get; private set; }

    /// <summary>Registers the layers with their original names through the owner's register_module.</summary>
    public void Register(Action<string, nn.Module> registerModule)
    {
        for (int l = 0; l < Layers.Count; l++) registerModule($"lin{l}", Layers[l]);
    }

    public Tensor Forward(Tensor input, Func<Tensor, Tensor> activation)
    {
        var h = input;
        int n = Layers.Count;
        var count = MatmulCount.Active;
        if (count is not null) LastRows = input.shape[0];
        for (int l = 0; l < n; l++)
        {
            int skipAt = _style == SkipStyle.BeforeLayer ? l : l + 1;
            if (_skipIn.Contains(skipAt)) h = cat([h, input], 1) * InvSqrt2;
            count?.Layer(Layers[l], LastRows, MatmulCount.Recorded(h, Layers[l]), h.requires_grad);
            h = Layers[l].forward(h);
            if (l < n - 1) h = activation(h);
        }
        return h;
    }
}
