using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Parity;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>Seed-size (paper) models build and take a training step on CPU; the double backward reaches every parameter.</summary>
public class TrainingStepTests
{
    static TrainingStepTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    /// <summary>Random pixels of a 64×64 view from a camera 1.3 from the origin (f = 60).</summary>
    internal static RayBatch SmallBatch(int rays, int identity)
    {
        var pose = eye(4).unsqueeze(0);
        pose[0, 2, 3] = tensor(-1.3f);
        var k = eye(4).unsqueeze(0);
        k[0, 0, 0] = tensor(60f); k[0, 1, 1] = tensor(60f); k[0, 0, 2] = tensor(32f); k[0, 1, 2] = tensor(32f);
        var uv = randint(0, 64, [1, rays, 2]).to(float32);
        return new RayBatch(uv, pose, k, tensor(new long[] { identity }));
    }

    static HeadModel Build(bool stage2) => ModelFactory.Create((stage2 ? ReferenceModels.Stage2Options : ReferenceModels.Stage1Options) with { NumIdentity = 31 });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PaperSizeModelTakesOneTrainingStep(bool stage2)
    {
        manual_seed(3);
        var model = Build(stage2);
        model.train();
        var loss = new HeadLoss(new LossOptions());
        var opt = optim.Adam(model.parameters(), 5e-4);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var batch = SmallBatch(32, identity: 7);
        var output = model.Render(batch);
        var terms = model.Loss(output, rand(1, 32, 3), loss);
        Assert.True(float.IsFinite(terms.Total.item<float>()));
        opt.zero_grad();
        terms.Total.backward();
        opt.step();
        var after = model.parameters().ToList();
        int changed = before.Zip(after).Count(t => !t.First.allclose(t.Second.detach()));
        Assert.True(changed >= after.Count - 0, $"{changed} of {after.Count} parameter tensors changed");
        Assert.All(after, p => Assert.False(p.isnan().any().item<bool>()));
        Assert.Equal(98, output.ZVals.shape[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EikonalDoubleBackwardReachesEveryGeometryParameter(bool stage2)
    {
        manual_seed(4);
        var model = Build(stage2);
        model.train();
        var x = (rand(256, 3) - 0.5f) * 1.2f;
        var code = model.IdShapeEmbedding.forward(tensor(new long[] { 2 }));
        var geo = model.EvaluateGeometry(x, code, training: true);
        var eik = (geo.GradTheta.norm(1, false, 2) - 1).pow(2).mean();
        var defGrad = geo.GradDeform!.norm(1, false, 2).mean();
        model.zero_grad();
        (eik + defGrad + (stage2 ? geo.DeltaSdfGrad!.abs().mean() : zeros(1).squeeze())).backward();
        var names = model.named_parameters()
            .Where(p => p.name.StartsWith("deform_temp_geo_network", StringComparison.Ordinal) || p.name.StartsWith("displacement_network", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(names);
        foreach (var (name, p) in names)
        {
            if (name is "deform_temp_geo_network.implicit_net.lin8.bias" or "deform_temp_geo_network.deform_net.lin4.bias")
                continue; // an output bias has no x-derivative: the gradient terms cannot depend on it
            if (name.StartsWith("displacement_network", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal))
                continue; // ∇ₓδ of a ReLU network is piecewise constant in its biases: their second derivative is 0
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"no gradient reached {name}");
        }
        // The identity's shape code is reached through the deformation.
        Assert.True(model.IdShapeEmbedding.weight!.grad!.abs().sum().item<float>() > 0);
    }
}
