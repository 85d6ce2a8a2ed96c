using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Models;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Alignment;

/// <summary>
/// A tiny stage-1 "template" run trained in seconds by regressing template ∘ deformation (zero shape code) onto one
/// synthetic head's SDF in the template frame (head frame × cam_scale 0.15): an asymmetric, head-shaped geometry whose
/// frame is known exactly, for alignment tests. The identity codes are zeroed, so identity 0 renders the zero code,
/// and β is set to a trained-like 0.002.
/// </summary>
public static class TinyTemplate
{
    public const double CamScale = 0.15;

    public static string Train(string runDir, SyntheticHead head, int steps = 400, int seed = 1)
    {
        var conf = ConfLoader.Load(TestSupport.DataPath("..", "confs", "quickstart_st1.conf"),
            [.. TinyHeadsFixture.TinyOverrides(Path.Combine(runDir, "no-data"), steps), "plot.grid_boundary=[-0.35, 0.35]"]);
        manual_seed(seed);
        using var model = ModelFactory.Create(conf.Model);
        var (bmin, bmax) = SyntheticHead.Bounds;
        var rng = new Random(seed);
        // A fixed pool of points with their exact SDF (half uniform in the head's box, half pulled onto the surface and
        // jittered), from which each step draws its batch: the analytic SDF is the expensive part.
        const int Pool = 12_000, Batch = 2048;
        var pts = new float[Pool * 3];
        var target = new float[Pool];
        Parallel.For(0, Pool, i =>
        {
            var r = new Random(seed * 100_003 + i);
            // Uniform points fill the whole meshing cube (±0.35 template units = ±2.33 head units), so no stray surface appears there.
            const double Cube = 0.35 / CamScale;
            var q = new Vector3d(Cube * (2 * r.NextDouble() - 1), Cube * (2 * r.NextDouble() - 1), Cube * (2 * r.NextDouble() - 1));
            if (i % 2 == 1)
            {
                q = new Vector3d(bmin.X + (bmax.X - bmin.X) * r.NextDouble(), bmin.Y + (bmax.Y - bmin.Y) * r.NextDouble(), bmin.Z + (bmax.Z - bmin.Z) * r.NextDouble());
                for (int k = 0; k < 3; k++) q -= head.Normal(q) * head.Distance(q);
                q += new Vector3d(r.NextDouble() - 0.5, r.NextDouble() - 0.5, r.NextDouble() - 0.5) * 0.1;
            }
            pts[3 * i] = (float)(q.X * CamScale); pts[3 * i + 1] = (float)(q.Y * CamScale); pts[3 * i + 2] = (float)(q.Z * CamScale);
            target[i] = (float)(head.Distance(q) * CamScale);
        });
        using var allPts = tensor(pts, [Pool, 3]);
        using var allTarget = tensor(target);
        using var code = zeros(1, conf.Model.DimIdentityShape);
        var geometry = model.DeformTempGeoNetwork.parameters().ToList();
        using (var opt = optim.Adam(geometry, 2e-3))
        {
            for (int it = 0; it < steps; it++)
            {
                using var scope = NewDisposeScope();
                var idx = tensor(Enumerable.Range(0, Batch).Select(_ => (long)rng.Next(Pool)).ToArray());
                var sdf = model.DeformTempGeoNetwork.Evaluate(allPts.index_select(0, idx), code).Sdf.squeeze(1);
                var loss = (sdf - allTarget.index_select(0, idx)).abs().mean();
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
        }
        using (no_grad())
        {
            model.IdShapeEmbedding.weight!.zero_();
            model.IdColorEmbedding.weight!.zero_();
            model.Density.Beta.fill_(0.002f);
        }
        using var run = RunFolder.Create(runDir, conf);
        Checkpoint.Save(run.LatestCheckpoint, model, null, new CheckpointMeta(steps, steps, "stage1", 0, seed, 1.0, "test"));
        return runDir;
    }
}
