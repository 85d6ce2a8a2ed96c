using System.Diagnostics;
using HeadRecon.Config;
using HeadRecon.Fields;
using HeadRecon.Models;
using HeadRecon.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Benchmarks;

/// <summary>Median wall time of each phase of a training iteration.</summary>
public sealed record IterationTiming(string Case, string Stage, int Rays, int Iterations, double MedianSeconds,
    double SamplerSeconds, double ForwardSeconds, double BackwardSeconds, double OptimizerSeconds, double[] AllSeconds)
{
    /// <summary>Median CPU time (all threads, user + system) of an iteration: less sensitive to other load on the machine than wall time.</summary>
    public double CpuSeconds { get; init; } = double.NaN;
    /// <summary>With ray_sampler.occupancy_grid on: seconds to rebuild one identity's grid (measured once, warm), paid
    /// every update_iters iterations per identity in training.</summary>
    public double? OccupancyBuildSeconds { get; init; }
    /// <summary>FLOPs of the MLP matrix products per measured iteration (mean; see <see cref="MatmulCount"/>), backward included.</summary>
    public double MatmulFlop { get; init; } = double.NaN;
}

/// <summary>
/// Times training iterations of a model built from a configuration on synthetic rays (a camera 1.3 units from the
/// origin looking at it, random target colours): what the loop costs, independent of any dataset.
/// With images &gt; 1, pixels are gathered from that many in-memory images (one per iteration, round robin), to show
/// that the per-iteration cost does not depend on the dataset size.
/// </summary>
public static class TrainingBenchmark
{
    public static RayBatch SyntheticBatch(int rays, Generator gen, Device device, int imageSize = 512, int identity = 0)
    {
        var uv = randint(0, imageSize, [1, rays, 2], generator: gen).to(float32).to(device);
        return CameraBatch(uv, imageSize, identity, device);
    }

    /// <summary>Every pixel centre of a size×size view, row-major, as the eval renderer takes it.</summary>
    public static RayBatch FullImageBatch(int size, Device device, int identity = 0)
    {
        var r = arange(size, dtype: float32) + 0.5f;
        var grid = meshgrid([r, r], indexing: "ij");
        var uv = stack([grid[1].reshape(-1), grid[0].reshape(-1)], -1).unsqueeze(0).to(device);
        return CameraBatch(uv, size, identity, device);
    }

    static RayBatch CameraBatch(Tensor uv, int imageSize, int identity, Device device)
    {
        float f = imageSize * 1.2f, c = imageSize / 2f;
        return RayBatch.ForCamera(uv, [f, 0, c, 0, f, c, 0, 0, 1], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -1.3f, 0, 0, 0, 1], identity, device);
    }

    public static IterationTiming Run(string caseName, ModelOptions model, LossOptions lossOptions, int rays, int warmup, int iterations, Device device, int seed = 0) =>
        Run(caseName, model, lossOptions, rays, warmup, iterations, device, seed, images: 1);

    public static IterationTiming Run(string caseName, ModelOptions model, LossOptions lossOptions, int rays, int warmup, int iterations, Device device,
        int seed, int images, int imageSize = 512, Action<string>? trace = null)
    {
        manual_seed(seed);
        using var m = ModelFactory.Create(model);
        m.ToDevice(device);
        m.train();
        var loss = new HeadLoss(lossOptions);
        using var opt = optim.Adam(m.parameters(), 5e-4);
        var gen = new Generator((ulong)seed); // a CPU generator: see RandomDraws
        // A stand-in dataset: images×H×W×3 colours kept in memory (only built when asked for, it can be large).
        using var dataset = images > 1 ? rand([images, imageSize * imageSize, 3], generator: gen).to(device) : null;
        var samplerT = new List<double>(); var fwdT = new List<double>(); var bwdT = new List<double>(); var optT = new List<double>(); var total = new List<double>(); var cpuT = new List<double>();
        using var self = Process.GetCurrentProcess();
        var sw = new Stopwatch();
        if (m.OccupancyGridEnabled)
        {
            // Steady state: every identity the loop renders has its grid already (the rebuild cost, paid every
            // update_iters iterations per identity in training, is reported on its own as occupancy_build_s).
            using var scope = NewDisposeScope();
            for (int id = 0; id < Math.Min(model.NumIdentity, warmup + iterations); id++)
                m.OccupancyGridFor(id, m.ShapeCode(id));
        }
        MatmulCount? count = null;
        try
        {
            for (int it = 0; it < warmup + iterations; it++)
            {
                if (it == warmup) count = MatmulCount.Start(); // the measured iterations' own rows and samples
                using var scope = NewDisposeScope();
                int identity = it % model.NumIdentity;
                var batch = SyntheticBatch(rays, gen, device, imageSize, identity);
                Tensor target;
                if (dataset is null)
                {
                    target = rand(1, rays, 3, generator: gen).to(device);
                }
                else
                {
                    var uv = batch.Uv[0].to(int64);
                    var flat = uv.select(1, 1) * imageSize + uv.select(1, 0);
                    target = dataset[it % images].index_select(0, flat).unsqueeze(0);
                }
                Sync(device);
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var t0 = sw.Elapsed; sw.Start();
                var (dirs3, cam1) = CameraRays.Compute(batch.Uv, batch.Pose, batch.Intrinsics);
                var dirs = dirs3.reshape(-1, 3);
                var cam = cam1.unsqueeze(1).repeat(1, dirs3.shape[1], 1).reshape(-1, 3);
                var code = m.Codes(batch.Identity).Shape;
                var sampled = m.SampleRays(dirs, cam, batch.Identity, code, true, gen, batch.IdentityIndex);
                Sync(device); var t1 = sw.Elapsed;
                var o = m.Render(batch, gen, sampled: sampled);
                var terms = m.Loss(o, target, loss);
                Sync(device); var t2 = sw.Elapsed;
                opt.zero_grad();
                terms.Total.backward();
                Sync(device); var t3 = sw.Elapsed;
                opt.step();
                Sync(device); var t4 = sw.Elapsed;
                sw.Stop();
                self.Refresh();
                var cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
                trace?.Invoke($"  {caseName} it {it}{(it < warmup ? " (warm-up)" : "")}: {(t4 - t0).TotalSeconds:F3} s (sampler {(t1 - t0).TotalSeconds:F3} / fwd {(t2 - t1).TotalSeconds:F3} / bwd {(t3 - t2).TotalSeconds:F3}), cpu {cpu:F3} s, rss {self.WorkingSet64 >> 20} MiB");
                if (it < warmup) continue;
                cpuT.Add(cpu);
                samplerT.Add((t1 - t0).TotalSeconds); fwdT.Add((t2 - t1).TotalSeconds); bwdT.Add((t3 - t2).TotalSeconds); optT.Add((t4 - t3).TotalSeconds); total.Add((t4 - t0).TotalSeconds);
            }
        }
        finally
        {
            count?.Dispose();
        }
        double? gridSeconds = null;
        if (m.OccupancyGridEnabled)
        {
            // One more rebuild through the model, now that the heap is warm: the cost training pays per rebuild.
            using var scope = NewDisposeScope();
            m.ResetOccupancyGrids();
            gridSeconds = m.OccupancyGridFor(0, m.ShapeCode(0))!.BuildSeconds;
        }
        return new IterationTiming(caseName, m.Stage, rays, iterations, Median(total), Median(samplerT), Median(fwdT), Median(bwdT), Median(optT), [.. total])
        {
            CpuSeconds = Median(cpuT),
            OccupancyBuildSeconds = gridSeconds,
            MatmulFlop = count is null ? double.NaN : (double)count.WithBackward / iterations,
        };
    }

    internal static void Sync(Device d)
    {
        if (d.type == DeviceType.CUDA) cuda.synchronize(d);
    }

    public static double Median(IReadOnlyList<double> xs) => Runtime.GemmMeasurement.Median(xs);
}
