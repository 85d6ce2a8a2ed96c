using HeadRecon.Config;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests;

/// <summary>Two synthetic identities at 32×32, generated once for the training tests, and a tiny configuration for them.</summary>
public sealed class TinyHeadsFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Heads => Dir["heads"];

    public TinyHeadsFixture()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        SyntheticHeadWriter.Write(new SynthOptions(Heads, Identities: 2, Views: 30, Resolution: 32, Seed: 5, GtResolution: 64));
    }

    /// <summary>The quickstart configuration shrunk to seconds: 32² images, 64 rays, 16-wide networks, few samples.</summary>
    public static string[] TinyOverrides(string heads, int iterations) =>
    [
        $"dataset.data_dir=\"{heads}\"", "dataset.img_res=[32, 32]", "model.num_identity=3",
        "train.num_pixels=64", "train.learning_rate=1e-5", $"train.max_iterations={iterations}", "train.checkpoint_iters=4", "train.plot_iters=1000", "train.log_freq=1",
        "train.split_n_pixels=512", "plot.resolution=32", "plot.grid_boundary=[-0.8, 0.8]",
        "model.deformTempGeo_network.deform_network.dims=[32, 32]", "model.deformTempGeo_network.deform_network.deform_feature_dim=8",
        "model.deformTempGeo_network.implicit_network.dims=[64, 64, 64]", "model.deformTempGeo_network.implicit_network.skip_in=[]",
        "model.template_feature_dim=8", "model.dim_identity_shape=8", "model.dim_identity_color=8",
        "model.ray_sampler.N_samples=16", "model.ray_sampler.N_samples_eval=32", "model.ray_sampler.N_samples_extra=8",
    ];

    public static string[] TinyStage2Overrides(string heads, int iterations) =>
    [
        .. TinyOverrides(heads, iterations), "dataset.scan_id=\"101\"",
        "model.rendering_network.dims=[32, 32]", "model.rendering_network.skip_in=[]",
        "model.displacement_network.dims=[32, 32]", "model.displacement_network.displace_feature_dim=8",
    ];

    public HeadConf Stage1(int iterations, params string[] extra) =>
        ConfLoader.Load(TestSupport.DataPath("..", "confs", "quickstart_st1.conf"), [.. TinyOverrides(Heads, iterations), .. extra]);

    public HeadConf Stage2(int iterations, params string[] extra) =>
        ConfLoader.Load(TestSupport.DataPath("..", "confs", "quickstart_st2.conf"), [.. TinyStage2Overrides(Heads, iterations), .. extra]);

    public void Dispose() => Dir.Dispose();
}

[CollectionDefinition("TinyHeads")]
public sealed class TinyHeadsCollection : ICollectionFixture<TinyHeadsFixture>;
