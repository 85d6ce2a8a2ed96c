using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>
/// Process-wide set-up for TorchSharp: FTZ/DAZ before the first torch op, thread count, device choice.
/// Call <see cref="Initialize"/> once at the start of every entry point (CLI, tests, notebooks).
/// The CPU tuning is harmless where a GPU does the work: FTZ/DAZ only changes the host's SSE arithmetic (CUDA kernels
/// have their own denormal handling) and the thread count only libtorch's CPU pool; the MKL code-path change is not
/// applied when a CUDA device is visible.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool s_initialized;

    /// <summary>Environment variables that only take effect when set before the process starts, from Runtime/launch.env
    /// (embedded; the shell scripts source the same file).</summary>
    public static readonly IReadOnlyDictionary<string, string> LaunchEnvironment = ReadLaunchEnvironment();

    static Dictionary<string, string> ReadLaunchEnvironment()
    {
        using var s = typeof(TorchRuntime).Assembly.GetManifestResourceStream("HeadRecon.launch.env")
                      ?? throw new InvalidOperationException("HeadRecon.dll lacks its embedded launch.env");
        using var r = new StreamReader(s);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        while (r.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) throw new InvalidDataException($"launch.env: '{line}' is not KEY=VALUE");
            env[line[..eq]] = line[(eq + 1)..];
        }
        return env;
    }

    public static bool FlushDenormals { get; private set; }
    public static int Threads { get; private set; }
    /// <summary>libtorch sees a CUDA device (a CUDA build on a machine with a GPU).</summary>
    public static bool CudaVisible { get; private set; }

    /// <summary>Enables FTZ/DAZ (before libtorch creates its thread pool) and sets the intra-op thread count.</summary>
    public static void Initialize(int? threads = null)
    {
        // MXCSR is per thread: set it on every calling thread (cheap), not only the first one.
        bool ftz = FloatingPointControl.SetFlushDenormals(true);
        lock (Gate)
        {
            if (s_initialized)
            {
                if (threads is int t && t > 0 && t != Threads) { torch.set_num_threads(t); Threads = t; }
                return;
            }
            FlushDenormals = ftz;
            // Loads libtorch; MKL's code path must be chosen before the first matrix product.
            torch.InitializeDeviceType(DeviceType.CPU);
            CudaVisible = cuda.is_available();
            // MKL's kernels are off the hot path on a GPU machine, and its libtorch is not the one the patch was written for.
            if (CudaVisible && Environment.GetEnvironmentVariable(MklCodePath.EnvironmentVariable) != "1")
                MklCodePath.Skip($"not applied: a CUDA device is visible ({MklCodePath.EnvironmentVariable}=1 applies it anyway)");
            else
                MklCodePath.Apply();
            int n = threads ?? ThreadsFromEnvironment() ?? Environment.ProcessorCount;
            torch.set_num_threads(Math.Max(1, n));
            Threads = torch.get_num_threads();
            s_initialized = true;
        }
    }

    static int? ThreadsFromEnvironment()
    {
        string? v = Environment.GetEnvironmentVariable("HEADRECON_THREADS") ?? Environment.GetEnvironmentVariable("OMP_NUM_THREADS");
        return int.TryParse(v, out int n) && n > 0 ? n : null;
    }

    /// <summary>Resolves "auto", "cpu", "cuda" or "cuda:N"; "cuda" without a CUDA build fails with a clear message.</summary>
    public static Device ResolveDevice(string spec)
    {
        Initialize();
        spec = (spec ?? "auto").Trim().ToLowerInvariant();
        if (spec == "auto") return cuda.is_available() ? CUDA : CPU;
        if (spec == "cpu") return CPU;
        if (spec.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new InvalidOperationException($"--device {spec}: CUDA is not available (this build uses TorchBackend=cpu or no GPU is visible). Rebuild with -p:TorchBackend=cuda on a CUDA machine, or use --device cpu.");
            return new Device(spec);
        }
        throw new ArgumentException($"--device: unknown device '{spec}' (expected auto, cpu, cuda or cuda:N)");
    }

    /// <summary>The environment variables from <see cref="LaunchEnvironment"/> that are missing in this process.</summary>
    public static IEnumerable<string> MissingLaunchEnvironment() =>
        LaunchEnvironment.Where(kv => Environment.GetEnvironmentVariable(kv.Key) != kv.Value).Select(kv => $"{kv.Key}={kv.Value}");
}
