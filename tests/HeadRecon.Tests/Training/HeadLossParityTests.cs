using HeadRecon.Config;
using HeadRecon.Training;
using Xunit;
using static HeadRecon.Tests.TestSupport;

namespace HeadRecon.Tests.Training;

[Trait("Category", "Parity")]
public class HeadLossParityTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("st1/", false)]
    public void EveryTermMatchesOriginal(string prefix, bool stage2)
    {
        var r = Reference("loss.npz");
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
            AssertClose(r.T(prefix + "loss/" + name), value, 1e-7, 1e-5, name);
    }
}
