using System.Diagnostics;
using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Benchmarks;

/// <summary>Median wall time of each phase of a training iteration.</summary>
public sealed record IterationTiming(string Case, string Stage, int Rays, int Iterations, double MedianSeconds,
    double SamplerSeconds, double ForwardSeconds, double BackwardSeconds, double OptimizerSeconds, double[] AllSeconds);

/// <summary>
/// Times training iterations of a model built from a configuration on synthetic rays (a camera 1.3 units from the
/// origin looking at it, random target colours): what the loop costs, independent of any dataset.
/// </summary>
public static class TrainingBenchmark
{
    public static RayBatch SyntheticBatch(int rays, Generator gen, Device device, int imageSize = 512, int identity = 0)
    {
        var pose = eye(4, device: device).unsqueeze(0);
        pose[0, 2, 3] = tensor(-1.3f);
        var k = eye(4, device: device).unsqueeze(0);
        float f = imageSize * 1.2f;
        k[0, 0, 0] = tensor(f); k[0, 1, 1] = tensor(f); k[0, 0, 2] = tensor(imageSize / 2f); k[0, 1, 2] = tensor(imageSize / 2f);
        var uv = randint(0, imageSize, [1, rays, 2], generator: gen).to(float32).to(device);
        return new RayBatch(uv, pose, k, tensor(new long[] { identity }, device: device));
    }

    public static IterationTiming Run(string caseName, ModelOptions model, LossOptions lossOptions, int rays, int warmup, int iterations, Device device, int seed = 0)
    {
        manual_seed(seed);
        using var m = ModelFactory.Create(model);
        m.ToDevice(device);
        m.train();
        var loss = new HeadLoss(lossOptions, model.UseTvLoss);
        using var opt = optim.Adam(m.parameters(), 5e-4);
        var gen = new Generator((ulong)seed, device);
        var samplerT = new List<double>(); var fwdT = new List<double>(); var bwdT = new List<double>(); var optT = new List<double>(); var total = new List<double>();
        var sw = new Stopwatch();
        for (int it = 0; it < warmup + iterations; it++)
        {
            using var scope = NewDisposeScope();
            var batch = SyntheticBatch(rays, gen, device);
            var target = rand(1, rays, 3, generator: gen).to(device);
            Sync(device);
            var t0 = sw.Elapsed; sw.Start();
            var (dirs3, cam1) = CameraRays.Compute(batch.Uv, batch.Pose, batch.Intrinsics);
            var dirs = dirs3.reshape(-1, 3);
            var cam = cam1.unsqueeze(1).repeat(1, dirs3.shape[1], 1).reshape(-1, 3);
            var code = m.id_shape_embedding.forward(batch.Identity);
            var z = m.Sampler.Sample(dirs, cam, p => m.SdfValues(p, code), m.density.GetBeta(), true, gen).ZVals;
            Sync(device); var t1 = sw.Elapsed;
            var o = m.Render(batch, gen, fixedZVals: z);
            var terms = loss.Compute(o, target);
            Sync(device); var t2 = sw.Elapsed;
            opt.zero_grad();
            terms.Loss.backward();
            Sync(device); var t3 = sw.Elapsed;
            opt.step();
            Sync(device); var t4 = sw.Elapsed;
            sw.Stop();
            if (it < warmup) continue;
            samplerT.Add((t1 - t0).TotalSeconds); fwdT.Add((t2 - t1).TotalSeconds); bwdT.Add((t3 - t2).TotalSeconds); optT.Add((t4 - t3).TotalSeconds); total.Add((t4 - t0).TotalSeconds);
        }
        return new IterationTiming(caseName, model.St1Flag ? "stage1" : "stage2", rays, iterations, Median(total), Median(samplerT), Median(fwdT), Median(bwdT), Median(optT), [.. total]);
    }

    static void Sync(Device d)
    {
        if (d.type == DeviceType.CUDA) cuda.synchronize(d);
    }

    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
