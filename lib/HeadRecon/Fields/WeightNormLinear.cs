using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// Linear layer with weight normalisation, W = g·v/‖v‖ (row-wise L2 norm, PyTorch's weight_norm with dim 0).
/// TorchSharp has no weight_norm; the state names weight_g (out,1), weight_v (out,in) and bias match PyTorch's,
/// so checkpoints of the original load by name.
/// </summary>
public sealed class WeightNormLinear : nn.Module<Tensor, Tensor>
{
    public Parameter weight_g;
    public Parameter weight_v;
    public Parameter bias;

    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>Creates the layer with PyTorch's default nn.Linear init (kaiming-uniform weight, uniform bias).</summary>
    public WeightNormLinear(int inFeatures, int outFeatures, string name = "lin") : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using (no_grad())
        {
            var w = empty(outFeatures, inFeatures).uniform_(-bound, bound);
            var g = w.norm(1, true, 2);
            // Parameter takes over the tensor's handle: compute g before wrapping w.
            weight_g = new Parameter(g);
            weight_v = new Parameter(w);
            bias = new Parameter(empty(outFeatures).uniform_(-bound, bound));
        }
        RegisterComponents();
    }

    /// <summary>Sets the direction from a plain weight matrix and g = ‖row‖ (what weight_norm does when applied).</summary>
    public void SetWeight(Tensor weight, Tensor? newBias = null)
    {
        using (no_grad())
        {
            weight_v.copy_(weight);
            weight_g.copy_(weight.norm(1, true, 2));
            if (newBias is not null) bias.copy_(newBias);
        }
    }

    public Tensor EffectiveWeight() => weight_g * weight_v / weight_v.norm(1, true, 2);

    public override Tensor forward(Tensor x) => nn.functional.linear(x, EffectiveWeight(), bias);
}
