using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Tests.Config;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

public class ImageRendererTests
{
    static ImageRendererTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    [Fact]
    public void RaysThroughNoOccupiedCellRenderTheBackgroundWithoutTheNetworks()
    {
        // The geometric-init sphere (radius 0.3) in the middle of a 12×12 view whose corners see past it, with a trained-like β.
        var conf = ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"),
        [
            "model.deformTempGeo_network.deform_network.dims=[16, 16]",
            "model.deformTempGeo_network.implicit_network.dims=[64, 64, 64]",
            "model.ray_sampler.N_samples=8", "model.ray_sampler.N_samples_eval=16", "model.ray_sampler.N_samples_extra=4",
            "model.density.params_init.beta=0.002",
            "model.ray_sampler.occupancy_grid { resolution = 24, bound = 0.6 }",
        ]);
        manual_seed(3);
        using var model = ModelFactory.Create(conf.Model);
        model.UpdateToStep(0);
        var batch = HeadRecon.Benchmarks.TrainingBenchmark.FullImageBatch(12, CPU);
        var fast = ImageRenderer.Render(model, batch, 12, 12, out long rendered, chunk: 50);
        var all = ImageRenderer.Render(model, batch, 12, 12, out long renderedAll, chunk: 50, allRays: true);
        Assert.Equal(144, renderedAll);
        Assert.InRange(rendered, 20, 120);
        int skipped = 0;
        for (int p = 0; p < 144; p++)
        {
            for (int ch = 0; ch < 3; ch++)
            {
                Assert.Equal(all.Rgb[p * 3 + ch], fast.Rgb[p * 3 + ch], 1e-4f);
                Assert.Equal(all.Normals[p * 3 + ch], fast.Normals[p * 3 + ch], 1e-4f);
            }
            Assert.Equal(all.Opacity[p], fast.Opacity[p], 1e-4f);
            if (fast.Opacity[p] == 0) skipped++;
            else Assert.Equal(all.Depth[p], fast.Depth[p], 1e-4f);
        }
        Assert.True(skipped >= 144 - rendered);
        Assert.Contains(fast.Opacity, o => o > 0.5f);
    }
}
