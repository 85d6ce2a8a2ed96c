using HeadRecon.Config;
using HeadRecon.Training;

namespace HeadRecon.Parity.Checks;

/// <summary>Every loss term (loss.npz) on fixed inputs, stage 2 (with the TV term) and stage 1.</summary>
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
        var loss = new HeadLoss(weights, useTvLoss: stage2);
        string i = prefix + "in/";
        var terms = loss.Compute(r.T(i + "rgb_values"), r.T(i + "rgb_gt"), r.T(i + "grad_theta"), r.T(i + "delta_x"), r.T(i + "grad_deform"),
            r.T(i + "shape_code"), r.T(i + "color_code"), stage2 ? r.T(i + "delta_sdf") : null, stage2 ? r.T(i + "delta_sdf_grad") : null);
        foreach (var (name, value) in terms.Named())
            ctx.Close(r.T(prefix + "loss/" + name), value, 1e-7, 1e-5, name);
    }
}
