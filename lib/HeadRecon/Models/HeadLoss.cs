using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>One term of an objective: its name in metrics.jsonl, the weight it enters the total with and its unweighted value.</summary>
public sealed record LossTerm(string Name, double Weight, Tensor Value);

/// <summary>A stage's objective for one batch: its terms, in order, and the total L = term₀ + Σᵢ wᵢ·termᵢ.</summary>
public sealed class LossTerms
{
    LossTerms(Tensor total, IReadOnlyList<LossTerm> terms)
    {
        Total = total;
        Terms = terms;
    }

    public Tensor Total { get; }
    public IReadOnlyList<LossTerm> Terms { get; }

    /// <summary>The unweighted value of the term <paramref name="name"/>.</summary>
    public Tensor this[string name] => Terms.FirstOrDefault(t => t.Name == name)?.Value
        ?? throw new KeyNotFoundException($"no loss term '{name}' (terms: {string.Join(", ", Terms.Select(t => t.Name))})");

    /// <summary>("loss", total), then every term by name: what the trainer logs.</summary>
    public IEnumerable<(string Name, Tensor Value)> Named() => Terms.Select(t => (t.Name, t.Value)).Prepend(("loss", Total));

    /// <summary>Adds the terms up in their order; the first enters unweighted when its weight is 1 (the original's RGB term).</summary>
    public static LossTerms Sum(IReadOnlyList<LossTerm> terms)
    {
        if (terms.Count == 0) throw new ArgumentException("an objective needs at least one term", nameof(terms));
        var total = terms[0].Weight == 1.0 ? terms[0].Value : terms[0].Weight * terms[0].Value;
        for (int i = 1; i < terms.Count; i++) total = total + terms[i].Weight * terms[i].Value;
        return new LossTerms(total, terms);
    }
}

/// <summary>
/// The terms of the original's VolSDFLoss (spec §1.9), each a mean over the batch, with the weights of the loss
/// section and the penalty its class names choose (rgb_loss, disp_loss, disp_grad_loss, latent_code_loss: torch.nn.L1Loss
/// or torch.nn.MSELoss). Which terms an objective has is the stage's choice (<see cref="HeadModel.Loss"/>).
/// </summary>
public sealed class HeadLoss(LossOptions options)
{
    public LossOptions Options { get; } = options;

    /// <summary>rgb_loss(ĉ, c): the photometric term, unweighted.</summary>
    public LossTerm Rgb(Tensor rgbValues, Tensor rgbGt) => new("rgb_loss", 1.0, Penalty(Options.RgbPenalty, rgbValues - rgbGt.reshape(-1, 3)));

    /// <summary>mean (‖∇s₁‖ − 1)², on the coarse SDF.</summary>
    public LossTerm Eikonal(Tensor gradTheta) => new("eikonal_loss", Options.EikonalWeight, (gradTheta.norm(1, false, 2) - 1).pow(2).mean());

    /// <summary>disp_loss(δ, 0): keeps the displacement small.</summary>
    public LossTerm Displacement(Tensor deltaSdf) => new("disp_loss", Options.DispWeight, Penalty(Options.DispPenalty, deltaSdf));

    /// <summary>disp_grad_loss(∇δ, 0): the TV-like term on the displacement's gradient (model.use_tv_loss).</summary>
    public LossTerm DisplacementGradient(Tensor deltaSdfGrad) => new("disp_grad_loss", Options.DispGradWeight, Penalty(Options.DispGradPenalty, deltaSdfGrad));

    /// <summary>latent_code_loss(z_s, 0).</summary>
    public LossTerm ShapeCode(Tensor shapeCode) => new("shape_code_loss", Options.ShapeCodeWeight, Penalty(Options.LatentCodePenalty, shapeCode));

    /// <summary>latent_code_loss(z_c, 0).</summary>
    public LossTerm ColorCode(Tensor colorCode) => new("color_code_loss", Options.ColorCodeWeight, Penalty(Options.LatentCodePenalty, colorCode));

    /// <summary>mean ‖∇ₓ Σₖ Δxₖ‖: smoothness of the deformation.</summary>
    public LossTerm DeformationGradient(Tensor gradDeform) => new("deform_grad_loss", Options.DeformGradWeight, gradDeform.norm(1, false, 2).mean());

    /// <summary>mean ‖Δx‖: keeps the deformation small.</summary>
    public LossTerm Deformation(Tensor deltaX) => new("deform_loss", Options.DeformWeight, deltaX.norm(1, false, 2).mean());

    static Tensor Penalty(LossPenalty penalty, Tensor residual) => penalty switch
    {
        LossPenalty.L1 => residual.abs().mean(),
        LossPenalty.Mse => residual.pow(2).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(penalty), penalty, null),
    };
}
