using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// Linear layer with weight normalisation, W = g·v/‖v‖ (row-wise L2 norm, PyTorch's weight_norm with dim 0).
/// TorchSharp has no weight_norm; the state names weight_g (out,1), weight_v (out,in) and bias match PyTorch's,
/// so checkpoints of the original load by name.
/// </summary>
public sealed class WeightNormLinear : nn.Module<Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    // Parameters are private fields named for TorchSharp by the original's PyTorch names: Module.to() replaces a moved
    // parameter and writes the new one back into the field whose component name matches, so without the attribute
    // the field would keep the old, disposed tensor.
    [ComponentName(Name = "weight_g")] Parameter _weightG;
    public Parameter WeightG => _weightG;
    [ComponentName(Name = "weight_v")] Parameter _weightV;
    public Parameter WeightV => _weightV;
    [ComponentName(Name = "bias")] Parameter _bias;
    public Parameter Bias => _bias;

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
            _weightG = new Parameter(g);
            _weightV = new Parameter(w);
            _bias = new Parameter(empty(outFeatures).uniform_(-bound, bound));
        }
        register_parameter("weight_g", _weightG);
        register_parameter("weight_v", _weightV);
        register_parameter("bias", _bias);
    }

    /// <summary>Sets the direction from a plain weight matrix and g = ‖row‖ (what weight_norm does when applied).</summary>
    public void SetWeight(Tensor weight, Tensor? newBias = null)
    {
        using (no_grad())
        {
            WeightV.copy_(weight);
            WeightG.copy_(weight.norm(1, true, 2));
            if (newBias is not null) Bias.copy_(newBias);
        }
    }

    public Tensor EffectiveWeight() => WeightG * WeightV / WeightV.norm(1, true, 2);

    public override Tensor forward(Tensor x) => nn.functional.linear(x, EffectiveWeight(), Bias);
}
