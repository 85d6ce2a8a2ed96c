using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HeadRecon.Config;
using HeadRecon.Fields;
using HeadRecon.Meshing;
using HeadRecon.Models;
using HeadRecon.Runtime;
using static TorchSharp.torch;

namespace HeadRecon.Benchmarks;

/// <summary>One measured case; the JSON line of <c>headrecon bench --json</c>.</summary>
public sealed record BenchResult
{
    [JsonPropertyName("case")] public required string Case { get; init; }
    /// <summary>train | render | mesh</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    [JsonPropertyName("conf")] public string? Conf { get; init; }
    /// <summary>Rays per training batch; for render the pixel count; for mesh 0.</summary>
    [JsonPropertyName("rays")] public int Rays { get; init; }
    [JsonPropertyName("warmup")] public int Warmup { get; init; }
    [JsonPropertyName("iters")] public int Iterations { get; init; }
    [JsonPropertyName("median_s")] public double MedianSeconds { get; init; }
    [JsonPropertyName("sampler_s")] public double? SamplerSeconds { get; init; }
    [JsonPropertyName("forward_s")] public double? ForwardSeconds { get; init; }
    [JsonPropertyName("backward_s")] public double? BackwardSeconds { get; init; }
    [JsonPropertyName("optimizer_s")] public double? OptimizerSeconds { get; init; }
    /// <summary>Median CPU seconds (all threads) per iteration / image / extraction: a load-robust companion of median_s.</summary>
    [JsonPropertyName("cpu_s")] public double? CpuSeconds { get; init; }
    [JsonPropertyName("all_s")] public double[] AllSeconds { get; init; } = [];
    [JsonPropertyName("identities")] public int? Identities { get; init; }
    [JsonPropertyName("images")] public int? Images { get; init; }
    [JsonPropertyName("resolution")] public int? Resolution { get; init; }
    [JsonPropertyName("vertices")] public int? Vertices { get; init; }
    /// <summary>gemm case: fp32 matrix-product rate.</summary>
    [JsonPropertyName("gflops")] public double? GigaflopsPerSecond { get; init; }
    /// <summary>Train cases with ray_sampler.occupancy_grid on: seconds per grid rebuild (every update_iters iterations per identity).</summary>
    [JsonPropertyName("occupancy_build_s")] public double? OccupancyBuildSeconds { get; init; }
    /// <summary>Train and render cases: GFLOP of the MLP matrix products per iteration / image, counted from the layer
    /// sizes and the rows each product was actually given (<see cref="MatmulCount"/>; a training step with its backward).</summary>
    [JsonPropertyName("matmul_gflop")] public double? MatmulGigaflop { get; init; }
    /// <summary>The gemm rate measured in the same process (the gemm case, or a short one run for the purpose).</summary>
    [JsonPropertyName("gemm_gflops")] public double? GemmGigaflopsPerSecond { get; init; }
    /// <summary>matmul_gflop / (gemm_gflops × median_s): the fraction of the time the products alone would take at the gemm rate.</summary>
    [JsonPropertyName("roofline")] public double? Roofline { get; init; }
    [JsonPropertyName("load_avg")] public double LoadAverage { get; init; }
    [JsonPropertyName("peak_rss_mb")] public double PeakRssMegabytes { get; init; }
    /// <summary>On CUDA: device memory in use after the case (see <see cref="GpuMemoryUse"/>: the process's peak so far;
    /// one case per process gives each case's own).</summary>
    [JsonPropertyName("gpu_used_mb")] public double? GpuUsedMegabytes { get; init; }
}

/// <summary>The machine a run was measured on.</summary>
public sealed record MachineInfo(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("ftz")] bool FlushDenormals,
    [property: JsonPropertyName("omp_wait_policy")] string? OmpWaitPolicy,
    [property: JsonPropertyName("load_avg")] double LoadAverage,
    [property: JsonPropertyName("torch")] string TorchVersion,
    [property: JsonPropertyName("mkl")] string MklCodePath)
{
    public static MachineInfo Current() => new(CpuModel(), Environment.ProcessorCount, get_num_threads(), FloatingPointControl.FlushDenormalsEnabled,
        Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), BenchmarkSuite.LoadAverage(), __version__, Runtime.MklCodePath.Status);

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}

/// <summary>What to run and how often.</summary>
public sealed record BenchSettings
{
    /// <summary>Folder holding face_st1.conf, face_st2.conf, quickstart_st1.conf, quickstart_st2.conf.</summary>
    public string ConfDir { get; init; } = "confs";
    /// <summary>A single configuration to time instead of the seed/quickstart ones (train cases only).</summary>
    public string? Conf { get; init; }
    /// <summary>Rays per batch for --conf, or to override every train case.</summary>
    public int? Rays { get; init; }
    /// <summary>Iterations and warm-ups; null = per-case defaults (fewer for the expensive cases).</summary>
    public int? Iterations { get; init; }
    public int? Warmup { get; init; }
    public bool Quick { get; init; }
    /// <summary>Receives one line per training iteration (warm-ups included) when set: <c>bench --each</c>.</summary>
    public Action<string>? Trace { get; init; }
    public IReadOnlyList<string> Cases { get; init; } = [];
    public Device Device { get; init; } = CPU;
    /// <summary>KEY=VALUE configuration overrides (<c>bench --set</c>) applied to every configuration the suite loads,
    /// e.g. <c>model.sdf_gradient="numerical"</c>.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];
}

/// <summary>
/// The benchmark cases of <c>headrecon bench</c>: training iterations at the seed and quickstart configurations, eval
/// rendering, marching cubes and the scaling series (rays, identities, images). Models are freshly initialised
/// (geometric init: the SDF starts as a sphere), so timings do not depend on a checkpoint.
/// </summary>
public static class BenchmarkSuite
{
    /// <summary>Every case name, in run order; "default" and "quick" select subsets.</summary>
    public static readonly IReadOnlyList<string> AllCases =
    [
        "st1-1024", "st1-256", "st2-1024", "st2-256", "qs-st1", "qs-st2",
        "render-64-st1", "render-64-st2", "render-128-st1", "render-128-st2",
        "mc-128", "mc-256", "gemm",
        "scale-rays", "scale-ids", "scale-images",
    ];

    public static readonly IReadOnlyList<string> DefaultCases =
    [
        "gemm", "st1-1024", "st1-256", "st2-1024", "st2-256", "qs-st1", "qs-st2",
        "render-64-st1", "render-64-st2", "render-128-st1", "mc-128",
        "scale-rays", "scale-ids", "scale-images",
    ];

    public static readonly IReadOnlyList<string> QuickCases = ["gemm", "st1-256", "st2-256", "qs-st1", "qs-st2", "render-64-st1", "mc-128", "scale-images"];

    /// <summary>Expands "default", "quick", "all" and prefixes ("render" = every render case) into case names.</summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> requested, bool quick)
    {
        if (requested.Count == 0) return quick ? QuickCases : DefaultCases;
        var result = new List<string>();
        foreach (var raw in requested.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            IEnumerable<string> add = raw switch
            {
                "all" => AllCases,
                "default" => DefaultCases,
                "quick" => QuickCases,
                _ when AllCases.Contains(raw) => [raw],
                _ when AllCases.Any(c => c.StartsWith(raw + "-", StringComparison.Ordinal)) => AllCases.Where(c => c.StartsWith(raw + "-", StringComparison.Ordinal)),
                _ => throw new ArgumentException($"bench: unknown case '{raw}' (known: {string.Join(", ", AllCases)}, default, quick, all)"),
            };
            foreach (var c in add) if (!result.Contains(c)) result.Add(c);
        }
        return result;
    }

    /// <summary>Runs the selected cases, reporting each result as soon as it is measured.</summary>
    public static List<BenchResult> Run(BenchSettings s, Action<BenchResult> report)
    {
        var results = new List<BenchResult>();
        void Add(BenchResult r) { results.Add(r); report(r); }
        var cases = s.Conf is null ? Resolve(s.Cases, s.Quick) : [];

        // Every roofline fraction is against this process's own gemm rate: the gemm case runs first, and when it was not
        // selected a shorter one runs before the first case that reports a roofline (once its configuration loaded).
        double? rate = null;
        if (cases.Contains("gemm")) Rate();
        double? Rate()
        {
            if (rate is null)
            {
                var g = cases.Contains("gemm") ? Gemm("gemm", s) : Gemm("gemm", s with { Warmup = 1, Iterations = 3 });
                rate = g.GigaflopsPerSecond;
                Add(g);
            }
            return rate;
        }

        if (s.Conf is not null)
        {
            var c = ConfLoader.Load(s.Conf, s.Overrides);
            int rays = s.Rays ?? c.Train.NumPixels;
            Add(Train(Path.GetFileNameWithoutExtension(s.Conf), s.Conf, c, rays, s.Warmup ?? 1, s.Iterations ?? 3, s.Device, trace: s.Trace, gemmGflops: Rate()));
            return results;
        }

        foreach (var name in cases)
        {
            switch (name)
            {
                case "st1-1024": TrainCase(name, "face_st1.conf", 1024, big: true); break;
                case "st1-256": TrainCase(name, "face_st1.conf", 256, big: false); break;
                case "st2-1024": TrainCase(name, "face_st2.conf", 1024, big: true); break;
                case "st2-256": TrainCase(name, "face_st2.conf", 256, big: false); break;
                case "qs-st1": TrainCase(name, "quickstart_st1.conf", null, big: false); break;
                case "qs-st2": TrainCase(name, "quickstart_st2.conf", null, big: false); break;
                case "render-64-st1": RenderCase(name, "face_st1.conf", 64); break;
                case "render-64-st2": RenderCase(name, "face_st2.conf", 64); break;
                case "render-128-st1": RenderCase(name, "face_st1.conf", 128); break;
                case "render-128-st2": RenderCase(name, "face_st2.conf", 128); break;
                case "mc-128": Add(Mesh(name, ConfPath("face_st1.conf"), 128, s)); break;
                case "mc-256": Add(Mesh(name, ConfPath("face_st1.conf"), 256, s)); break;
                case "gemm": break; // ran first
                case "scale-rays":
                    foreach (int r in s.Quick ? new[] { 64, 256 } : [64, 128, 256, 512])
                        TrainCase($"scale-rays-{r}", "face_st1.conf", r, big: false, iterDefault: 2);
                    break;
                case "scale-ids":
                    foreach (int ids in s.Quick ? new[] { 1, 1000 } : [1, 31, 300, 3000])
                        TrainCase($"scale-ids-{ids}", "face_st1.conf", 256, big: false, iterDefault: 2, identities: ids);
                    break;
                case "scale-images":
                    foreach (int im in s.Quick ? new[] { 1, 100 } : [1, 10, 100])
                        TrainCase($"scale-images-{im}", "face_st1.conf", 256, big: false, iterDefault: 2, images: im);
                    break;
                default: throw new ArgumentException($"bench: unknown case '{name}'");
            }
        }
        return results;

        string ConfPath(string file) => Path.Combine(s.ConfDir, file);

        void TrainCase(string name, string file, int? rays, bool big, int iterDefault = 0, int identities = 0, int images = 1)
        {
            var path = ConfPath(file);
            var c = ConfLoader.Load(path, s.Overrides);
            if (identities > 0) c = c with { Model = c.Model with { NumIdentity = identities } };
            int n = s.Rays ?? rays ?? c.Train.NumPixels;
            int warm = s.Warmup ?? 2;
            int iters = s.Iterations ?? (iterDefault > 0 ? iterDefault : s.Quick ? 2 : big ? 3 : 5);
            Add(Train(name, path, c, n, warm, iters, s.Device, images, s.Trace, Rate()));
        }

        void RenderCase(string name, string file, int size)
        {
            var path = ConfPath(file);
            var c = ConfLoader.Load(path, s.Overrides);
            Add(Render(name, path, c, size, s, Rate()));
        }
    }

    /// <param name="gemmGflops">this process's gemm rate, for the roofline fraction (none without it).</param>
    public static BenchResult Train(string name, string confPath, HeadConf c, int rays, int warmup, int iterations, Device device, int images = 1, Action<string>? trace = null,
        double? gemmGflops = null)
    {
        var t = TrainingBenchmark.Run(name, c.Model, c.Loss, rays, warmup, iterations, device, c.Train.Seed, images, imageSize: images > 1 ? 256 : 512, trace);
        return new BenchResult
        {
            Case = name, Kind = "train", Stage = t.Stage, Conf = confPath, Rays = rays, Warmup = warmup, Iterations = iterations,
            MedianSeconds = t.MedianSeconds, SamplerSeconds = t.SamplerSeconds, ForwardSeconds = t.ForwardSeconds,
            BackwardSeconds = t.BackwardSeconds, OptimizerSeconds = t.OptimizerSeconds, AllSeconds = t.AllSeconds, CpuSeconds = t.CpuSeconds,
            OccupancyBuildSeconds = t.OccupancyBuildSeconds,
            MatmulGigaflop = double.IsFinite(t.MatmulFlop) ? t.MatmulFlop / 1e9 : null, GemmGigaflopsPerSecond = gemmGflops, Roofline = Roofline(t.MatmulFlop / 1e9, gemmGflops, t.MedianSeconds),
            Identities = c.Model.NumIdentity, Images = images, LoadAverage = LoadAverage(), PeakRssMegabytes = PeakRssMegabytes(), GpuUsedMegabytes = GpuUsedMegabytes(device),
        };
    }

    /// <summary>Eval rendering of a size×size view with <see cref="ImageRenderer"/> (chunks of split_n_pixels rays).</summary>
    /// <param name="gemmGflops">this process's gemm rate, for the roofline fraction (none without it).</param>
    public static BenchResult Render(string name, string confPath, HeadConf c, int size, BenchSettings s, double? gemmGflops = null)
    {
        manual_seed(c.Train.Seed);
        using var m = ModelFactory.Create(c.Model);
        m.ToDevice(s.Device);
        var batch = TrainingBenchmark.FullImageBatch(size, s.Device);
        int warm = s.Warmup ?? (s.Quick || size > 64 ? 0 : 1);
        int iters = s.Iterations ?? 1;
        var times = new List<double>();
        var cpu = new List<double>();
        long flop = 0;
        for (int i = 0; i < warm + iters; i++)
        {
            var c0 = CpuTime();
            var sw = Stopwatch.StartNew();
            // An eval render runs no backward: its products are the forwards and the normals' gradient passes.
            using (var count = i >= warm ? MatmulCount.Start() : null)
            {
                ImageRenderer.Render(m, batch, size, size, c.Train.SplitNPixels);
                if (count is not null) flop += count.Forward + count.GradientPasses;
            }
            TrainingBenchmark.Sync(s.Device);
            if (i >= warm) { times.Add(sw.Elapsed.TotalSeconds); cpu.Add(CpuTime() - c0); }
        }
        double median = TrainingBenchmark.Median(times), gflop = flop / 1e9 / iters;
        return new BenchResult
        {
            Case = name, Kind = "render", Stage = m.Stage, Conf = confPath, Rays = size * size, Warmup = warm, Iterations = iters,
            MedianSeconds = median, CpuSeconds = TrainingBenchmark.Median(cpu), AllSeconds = [.. times], Resolution = size,
            MatmulGigaflop = gflop, GemmGigaflopsPerSecond = gemmGflops, Roofline = Roofline(gflop, gemmGflops, median), LoadAverage = LoadAverage(), PeakRssMegabytes = PeakRssMegabytes(), GpuUsedMegabytes = GpuUsedMegabytes(s.Device),
        };
    }

    /// <summary>Marching cubes of identity 0's final SDF on a resolution³ grid over plot.grid_boundary.</summary>
    public static BenchResult Mesh(string name, string confPath, int resolution, BenchSettings s) => Mesh(name, confPath, ConfLoader.Load(confPath, s.Overrides), resolution, s);

    public static BenchResult Mesh(string name, string confPath, HeadConf c, int resolution, BenchSettings s)
    {
        manual_seed(c.Train.Seed);
        using var m = ModelFactory.Create(c.Model);
        m.ToDevice(s.Device);
        // The untrained SDF is a sphere of radius `bias` (0.6): mesh a box that contains it, so there is a surface.
        double half = Math.Max(Math.Abs(c.Plot.GridBoundary[0]), Math.Abs(c.Plot.GridBoundary[1]));
        half = Math.Max(half, c.Model.DeformTempGeoNetwork.ImplicitNetwork.Bias * 1.2);
        int warm = s.Warmup is int w ? Math.Min(w, 1) : 0;
        int iters = s.Iterations is int it ? Math.Min(it, 3) : 1;
        var times = new List<double>();
        var cpu = new List<double>();
        int vertices = 0;
        for (int i = 0; i < warm + iters; i++)
        {
            var c0 = CpuTime();
            var sw = Stopwatch.StartNew();
            var mesh = ModelMesher.Extract(m, 0, -half, half, resolution);
            if (i >= warm) { times.Add(sw.Elapsed.TotalSeconds); cpu.Add(CpuTime() - c0); vertices = mesh.VertexCount; }
        }
        return new BenchResult
        {
            Case = name, Kind = "mesh", Stage = m.Stage, Conf = confPath, Rays = 0, Warmup = warm, Iterations = iters,
            MedianSeconds = TrainingBenchmark.Median(times), CpuSeconds = TrainingBenchmark.Median(cpu), AllSeconds = [.. times], Resolution = resolution, Vertices = vertices,
            LoadAverage = LoadAverage(), PeakRssMegabytes = PeakRssMegabytes(), GpuUsedMegabytes = GpuUsedMegabytes(s.Device),
        };
    }

    /// <summary>The machine's fp32 matrix-product rate (<see cref="GemmRate"/>): the roofline of the train and render cases.</summary>
    public static BenchResult Gemm(string name, BenchSettings s)
    {
        var g = GemmRate.Measure(s.Device, s.Warmup ?? 2, s.Iterations ?? 5);
        return new BenchResult
        {
            Case = name, Kind = "gemm", Stage = "-", Rays = GemmRate.Rows, Warmup = s.Warmup ?? 2, Iterations = g.Seconds.Length,
            MedianSeconds = g.MedianSeconds, CpuSeconds = g.MedianCpuSeconds, AllSeconds = g.Seconds,
            GigaflopsPerSecond = g.GigaflopsPerSecond, LoadAverage = LoadAverage(), PeakRssMegabytes = PeakRssMegabytes(), GpuUsedMegabytes = GpuUsedMegabytes(s.Device),
        };
    }

    static double? Roofline(double gflop, double? gemmGflops, double seconds) =>
        gemmGflops is double r && r > 0 && seconds > 0 && double.IsFinite(gflop) ? gflop / (r * seconds) : null;

    static double CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>1-minute load average (other processes on the machine make timings noisy).</summary>
    public static double LoadAverage() => MachineLoad.OneMinuteAverage();

    /// <summary>Device memory in use on a CUDA device (MiB), null on the CPU.</summary>
    public static double? GpuUsedMegabytes(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) TrainingBenchmark.Sync(device);
        return GpuMemory.Query(device)?.UsedMegabytes;
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    public static double PeakRssMegabytes()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    static readonly JsonSerializerOptions JsonOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string ToJson(BenchResult r) => JsonSerializer.Serialize(r, JsonOptions);

    /// <summary>The first line of <c>bench --json</c>: the machine and, when given, the configuration overrides of the run.</summary>
    public static string ToJson(MachineInfo m, IReadOnlyList<string>? overrides = null, Device? device = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["case"] = "machine", ["cpu"] = m.Cpu, ["cores"] = m.Cores, ["threads"] = m.Threads, ["ftz"] = m.FlushDenormals,
        ["omp_wait_policy"] = m.OmpWaitPolicy, ["load_avg"] = m.LoadAverage, ["torch"] = m.TorchVersion, ["mkl"] = m.MklCodePath,
        ["overrides"] = overrides, ["device"] = device?.ToString(), ["gpu_total_mb"] = device is null ? null : GpuMemory.Query(device)?.TotalMegabytes,
    }, JsonOptions);

    public static string TableHeader =>
        $"{"case",-20} {"stage",-6} {"rays",6} {"it",3} {"median s",9} {"sampler",8} {"forward",8} {"backward",8} {"optim",7} {"cpu s",8} {"GFLOP",7} {"roofl.",6} {"load",5} {"rss MiB",8}";

    public static string TableRow(BenchResult r)
    {
        static string F(double? v, int w) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture).PadLeft(w) : "-".PadLeft(w);
        static string G(double? v, int w) => v is double d && double.IsFinite(d) ? d.ToString("F1", CultureInfo.InvariantCulture).PadLeft(w) : "-".PadLeft(w);
        static string P(double? v, int w) => v is double d ? (d * 100).ToString("F0", CultureInfo.InvariantCulture).PadLeft(w - 1) + "%" : "-".PadLeft(w);
        string extra = r.Kind switch
        {
            "mesh" => $"  {r.Resolution}³, {r.Vertices} vertices",
            "render" => $"  {r.Resolution}×{r.Resolution}",
            "gemm" => $"  (25088×256)·(256×256) products: {r.GigaflopsPerSecond:F0} GFLOP/s",
            _ => r.Case.StartsWith("scale-", StringComparison.Ordinal) ? $"  ids {r.Identities}, images {r.Images}" : "",
        };
        if (r.OccupancyBuildSeconds is double g) extra += $"  occupancy grid rebuild {g:F2} s";
        if (r.GpuUsedMegabytes is double gpu) extra += $"  GPU memory {gpu:F0} MiB";
        return $"{r.Case,-20} {r.Stage.Replace("stage", "st"),-6} {r.Rays,6} {r.Iterations,3} {F(r.MedianSeconds, 9)} {F(r.SamplerSeconds, 8)} {F(r.ForwardSeconds, 8)} {F(r.BackwardSeconds, 8)} {F(r.OptimizerSeconds, 7)} {F(r.CpuSeconds, 8)} {G(r.MatmulGigaflop, 7)} {P(r.Roofline, 6)} {r.LoadAverage,5:F2} {r.PeakRssMegabytes,8:F0}{extra}";
    }
}
