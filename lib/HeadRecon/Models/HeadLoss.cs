using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>Every term of the objective, unweighted, and the weighted total.</summary>
public sealed record LossTerms(Tensor Loss, Tensor RgbLoss, Tensor EikonalLoss, Tensor DispLoss, Tensor DispGradLoss,
    Tensor ShapeCodeLoss, Tensor ColorCodeLoss, Tensor DeformGradLoss, Tensor DeformLoss)
{
    public IEnumerable<(string Name, Tensor Value)> Named() =>
    [
        ("loss", Loss), ("rgb_loss", RgbLoss), ("eikonal_loss", EikonalLoss), ("disp_loss", DispLoss),
        ("disp_grad_loss", DispGradLoss), ("shape_code_loss", ShapeCodeLoss), ("color_code_loss", ColorCodeLoss),
        ("deform_grad_loss", DeformGradLoss), ("deform_loss", DeformLoss),
    ];
}

/// <summary>
/// The original's VolSDFLoss (spec §1.9): L = L_rgb + w_eik·L_eik + w_disp·L_disp + w_dispgrad·L_dispgrad
/// + w_zs·L_zs + w_zc·L_zc + w_defgrad·L_defgrad + w_def·L_def, all means over the batch.
/// The displacement terms are 0 when the model has no displacement; L_dispgrad only with use_tv_loss.
/// </summary>
public sealed class HeadLoss(LossOptions weights, bool useTvLoss)
{
    public LossOptions Weights { get; } = weights;
    public bool UseTvLoss { get; } = useTvLoss;

    public LossTerms Compute(RenderOutputs o, Tensor rgbGt) =>
        Compute(o.RgbValues, rgbGt, o.Geometry.GradTheta, o.Geometry.DeltaX, o.Geometry.GradDeform, o.ShapeCode, o.ColorCode,
            o.Geometry.DeltaSdf, o.Geometry.DeltaSdfGrad);

    public LossTerms Compute(Tensor rgbValues, Tensor rgbGt, Tensor gradTheta, Tensor deltaX, Tensor? gradDeform,
        Tensor shapeCode, Tensor colorCode, Tensor? deltaSdf, Tensor? deltaSdfGrad)
    {
        var zero = zeros(1, device: rgbValues.device).squeeze();
        var rgbLoss = (rgbValues - rgbGt.reshape(-1, 3)).abs().mean();
        var eikonal = (gradTheta.norm(1, false, 2) - 1).pow(2).mean();
        var disp = deltaSdf is null ? zero : deltaSdf.abs().mean();
        var dispGrad = deltaSdfGrad is null || !UseTvLoss ? zero : deltaSdfGrad.abs().mean();
        var shape = shapeCode.pow(2).mean();
        var color = colorCode.pow(2).mean();
        var deformGrad = gradDeform is null ? zero : gradDeform.norm(1, false, 2).mean();
        var deform = deltaX.norm(1, false, 2).mean();
        var loss = rgbLoss
            + Weights.EikonalWeight * eikonal
            + Weights.DispWeight * disp
            + Weights.DispGradWeight * dispGrad
            + Weights.ShapeCodeWeight * shape
            + Weights.ColorCodeWeight * color
            + Weights.DeformGradWeight * deformGrad
            + Weights.DeformWeight * deform;
        return new LossTerms(loss, rgbLoss, eikonal, disp, dispGrad, shape, color, deformGrad, deform);
    }
}
