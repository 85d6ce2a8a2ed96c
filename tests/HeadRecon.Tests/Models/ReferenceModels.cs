using HeadRecon.Config;
using HeadRecon.IO;
using HeadRecon.Models;
using static HeadRecon.Tests.TestSupport;

namespace HeadRecon.Tests.Models;

/// <summary>The models of ../shared/reference (face_st1 / face_st2 values with num_identity = 3), with the saved parameters loaded.</summary>
public static class ReferenceModels
{
    public static ModelOptions Stage1Options => new() { NumIdentity = 3 };

    public static ModelOptions Stage2Options => new()
    {
        St1Flag = false,
        NumIdentity = 3,
        UseTvLoss = true,
        RenderingNetwork = new RenderingNetworkOptions { Dims = [256, 256, 256, 256, 256, 256], Multires = 8, MultiresView = 6, SkipIn = [3] },
    };

    public static Stage1Model Stage1()
    {
        var m = new Stage1Model(Stage1Options);
        var report = ParameterLoader.Load(m, Reference("stage1.npz"), "param/", strict: true, source: "stage1.npz");
        m.eval();
        return m;
    }

    public static Stage2Model Stage2()
    {
        var m = new Stage2Model(Stage2Options);
        ParameterLoader.Load(m, Reference("stage2.npz"), "param/", strict: true, source: "stage2.npz");
        m.eval();
        return m;
    }
}
