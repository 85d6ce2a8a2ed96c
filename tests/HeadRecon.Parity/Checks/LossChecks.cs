using HeadRecon.Config;
using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Parity.Checks;

/// <summary>Every loss term (loss.npz) on fixed inputs, through each stage's own objective: stage 2 (with the TV term) and
/// stage 1 (whose objective has no displacement terms: the original's are 0 there, checked too).</summary>
public static class LossChecks
{
    /// <summary>Each term atol 1e-7 + rtol 1e-5.</summary>
    public static void EveryTerm(ParityContext ctx, bool stage2)
    {
        var r = ctx.Reference("loss.npz");
        string prefix = stage2 ? "" : "st1/";
        var weights = new LossOptions
        {
            EikonalWeight = r["weight/eikonal_weight"].Scalar(),
            DispWeight = r["weight/disp_weight"].Scalar(),
            DispGradWeight = r["weight/disp_grad_weight"].Scalar(),
            DeformGradWeight = r["weight/deform_grad_weight"].Scalar(),
            DeformWeight = r["weight/deform_weight"].Scalar(),
            ShapeCodeWeight = r["weight/shape_code_weight"].Scalar(),
            ColorCodeWeight = r["weight/color_code_weight"].Scalar(),
        };
        string i = prefix + "in/";
        var empty = zeros(0, device: ctx.Device);
        var geometry = new GeometrySample(empty, empty, r.T(i + "grad_theta"), r.T(i + "delta_x"), r.T(i + "grad_deform"), empty,
            stage2 ? r.T(i + "delta_sdf") : null, stage2 ? r.T(i + "delta_sdf_grad") : null);
        var outputs = new RenderOutputs(r.T(i + "rgb_values"), null, empty, empty, empty, empty, geometry, r.T(i + "shape_code"), r.T(i + "color_code"), 0);
        using var model = ModelFactory.Create(stage2 ? ReferenceModels.Stage2Options : ReferenceModels.Stage1Options);
        var terms = model.Loss(outputs, r.T(i + "rgb_gt"), new HeadLoss(weights));
        var names = terms.Named().Select(t => t.Name).ToHashSet();
        foreach (var (name, value) in terms.Named())
            ctx.Close(r.T(prefix + "loss/" + name), value, 1e-7, 1e-5, name);
        // A term the stage does not have must be one the original computes as 0 for it.
        foreach (var key in r.Keys.Where(k => k.StartsWith(prefix + "loss/", StringComparison.Ordinal)))
        {
            string name = key[(prefix + "loss/").Length..];
            if (!names.Contains(name)) ctx.Equal(0.0, r[key].Scalar(), 12, $"{name} (not a term of this stage's objective)");
        }
    }
}
