using HeadRecon.Config;
using HeadRecon.IO;
using HeadRecon.Models;

namespace HeadRecon.Parity;

/// <summary>The models of the reference vectors (face_st1 / face_st2 values with num_identity = 3), with the saved parameters loaded.</summary>
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

    /// <summary>stage1.npz or stage2.npz's model, loaded by name (strict), in eval mode, on the reference's device.</summary>
    public static HeadModel Load(ReferenceFile r)
    {
        HeadModel m = r.Name == "stage1.npz" ? new Stage1Model(Stage1Options) : new Stage2Model(Stage2Options);
        m.ToDevice(r.Device);
        ParameterLoader.Load(m, r.Keys.ToDictionary(k => k, k => r[k]), "param/", strict: true, source: r.Name);
        m.eval();
        return m;
    }
}
