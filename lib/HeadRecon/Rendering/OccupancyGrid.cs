using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>Where each ray may meet the surface, from an <see cref="OccupancyGrid"/>.</summary>
/// <param name="Near">(R, 1) start of the part of the ray worth sampling.</param>
/// <param name="Far">(R, 1) its end.</param>
/// <param name="Hit">(R, 1) bool: the ray crosses an occupied cell (otherwise Near/Far are the sampler's near/far).</param>
public sealed record RayIntervals(Tensor Near, Tensor Far, Tensor Hit);

/// <summary>
/// Empty-space skipping for an SDF (extension, <c>ray_sampler.occupancy_grid</c>): a cube of res³ cells over
/// [−bound, bound]³, a cell flagged occupied when the SDF at its centre is below the centre-to-corner distance
/// plus a margin plus beta_factor·β. For a 1-Lipschitz SDF that flags every cell the surface passes through (and the
/// interior, where the Laplace density is high too), and every cell where the density is not yet negligible. The error-bounded sampler then spends its samples on [first, last] occupied
/// cell of each ray rather than on [near, far], most of which is air. The grid is rebuilt from the current SDF
/// every few iterations, so geometry can still grow: by up to the margin per rebuild.
/// </summary>
public sealed class OccupancyGrid : IDisposable
{
    readonly Tensor _occupied; // (res³,) bool, index x·res² + y·res + z

    OccupancyGrid(OccupancyGridOptions o, Tensor occupied, int builtAt, double seconds, double threshold)
    {
        Options = o;
        Threshold = threshold;
        _occupied = occupied;
        BuiltAt = builtAt;
        BuildSeconds = seconds;
        OccupiedFraction = occupied.to(float32).mean().item<float>();
    }

    public OccupancyGridOptions Options { get; }
    public int Resolution => Options.Resolution;
    public double Bound => Options.Bound;
    public double CellSize => 2.0 * Options.Bound / Options.Resolution;
    /// <summary>Training iteration whose weights the grid was built from.</summary>
    public int BuiltAt { get; }
    public double BuildSeconds { get; }
    public double OccupiedFraction { get; }
    /// <summary>A cell is occupied when the SDF at its centre is below this (scene units).</summary>
    public double Threshold { get; }
    /// <summary>(res, res, res) bool, for plots and tests.</summary>
    public Tensor Occupied => _occupied.reshape(Resolution, Resolution, Resolution);

    /// <summary>Cell centres (res³, 3), x-major.</summary>
    public static Tensor CellCentres(OccupancyGridOptions o, Device device)
    {
        int r = o.Resolution;
        double cell = 2.0 * o.Bound / r;
        var axis = (arange(r, dtype: float32, device: device) + 0.5f) * (float)cell - (float)o.Bound;
        var g = meshgrid([axis, axis, axis], indexing: "ij");
        return stack([g[0].reshape(-1), g[1].reshape(-1), g[2].reshape(-1)], 1);
    }

    /// <summary>Evaluates <paramref name="sdf"/> (points (M, 3) → (M, 1)) at every cell centre, <paramref name="chunk"/> points at a time.</summary>
    /// <param name="beta">the density's current β (the threshold grows by beta_factor·β).</param>
    public static OccupancyGrid Build(OccupancyGridOptions o, Func<Tensor, Tensor> sdf, Device device, int builtAt, int chunk = 32768, double beta = 0.0)
    {
        if (o.Resolution <= 0) throw new ArgumentException("ray_sampler.occupancy_grid.resolution must be > 0 to build a grid");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var centres = CellCentres(o, device);
        double cell = 2.0 * o.Bound / o.Resolution;
        float threshold = (float)(0.5 * Math.Sqrt(3.0) * cell + o.Margin + o.BetaFactor * beta);
        long n = centres.shape[0];
        if (chunk <= 0) chunk = (int)n;
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = NewDisposeScope();
            var s = sdf(centres.narrow(0, start, Math.Min(chunk, n - start))).reshape(-1);
            // NaN compares false and would hide a broken field as "empty": flag it occupied instead.
            parts.Add((s < threshold).logical_or(s.isnan()).MoveToOuterDisposeScope());
        }
        var occupied = cat(parts, 0).DetachFromDisposeScope();
        return new OccupancyGrid(o, occupied, builtAt, sw.Elapsed.TotalSeconds, threshold);
    }

    /// <summary>
    /// Marches each ray through the grid in half-cell steps and returns [first, last] occupied step, widened by one
    /// step on each side and clipped to [near, far]. Rays that meet no occupied cell keep [near, far]; nothing is
    /// evaluated but grid lookups.
    /// </summary>
    /// <param name="origins">(R, 3)</param>
    /// <param name="dirs">(R, 3) unit directions.</param>
    public RayIntervals Intervals(Tensor origins, Tensor dirs, double near, double far)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = origins.device;
        long rays = origins.shape[0];
        float b = (float)Bound;
        // Slab test against the grid's cube.
        var safeDirs = where(dirs.abs() < 1e-9f, full_like(dirs, 1e-9f), dirs);
        var t1 = (-b - origins) / safeDirs;
        var t2 = (b - origins) / safeDirs;
        var tIn = minimum(t1, t2).amax([1], keepdim: true).clamp_min((float)near);
        var tOut = maximum(t1, t2).amin([1], keepdim: true).clamp_max((float)far);

        double step = 0.5 * CellSize;
        int steps = (int)Math.Ceiling(2.0 * Math.Sqrt(3.0) * Bound / step) + 1;
        var k = arange(steps, dtype: float32, device: device).unsqueeze(0);
        var t = tIn + (k + 0.5f) * (float)step;                                     // (R, S)
        var valid = t < tOut;
        var p = origins.unsqueeze(1) + t.unsqueeze(2) * dirs.unsqueeze(1);          // (R, S, 3)
        int res = Resolution;
        var cellIdx = ((p + b) / (float)CellSize).floor().to(int64).clamp(0, res - 1);
        var flat = (cellIdx.select(2, 0) * res + cellIdx.select(2, 1)) * res + cellIdx.select(2, 2);
        var occ = _occupied.index_select(0, flat.reshape(-1)).reshape(rays, steps).logical_and(valid);

        var hit = occ.any(1, keepdim: true);
        var occF = occ.to(float32);
        var first = occF.argmax(1, keepdim: true).to(float32);                      // first true
        var last = (steps - 1) - occF.flip(1).argmax(1, keepdim: true).to(float32); // last true
        var nearR = (tIn + (first - 0.5f) * (float)step).clamp_min((float)near);
        var farR = (tIn + (last + 1.5f) * (float)step).clamp_max((float)far);
        var nearT = full(rays, 1, (float)near, device: device);
        var farT = full(rays, 1, (float)far, device: device);
        nearR = where(hit, nearR, nearT);
        farR = where(hit, farR, farT);
        return new RayIntervals(nearR.MoveToOuterDisposeScope(), farR.MoveToOuterDisposeScope(), hit.MoveToOuterDisposeScope());
    }

    /// <summary>One byte (0/1) per cell, x-major: the grid as a checkpoint keeps it.</summary>
    public byte[] ToBytes() => _occupied.cpu().to(uint8).data<byte>().ToArray();

    /// <summary>A grid saved with <see cref="ToBytes"/>, as built at <paramref name="builtAt"/> with <paramref name="threshold"/>.</summary>
    public static OccupancyGrid FromBytes(OccupancyGridOptions o, byte[] cells, int builtAt, double threshold, Device device)
    {
        long expected = (long)o.Resolution * o.Resolution * o.Resolution;
        if (cells.LongLength != expected)
            throw new InvalidDataException($"an occupancy grid of {cells.LongLength} cells does not fit ray_sampler.occupancy_grid.resolution = {o.Resolution} ({expected} cells)");
        var occupied = tensor(cells, [expected], device: device).to(ScalarType.Bool);
        return new OccupancyGrid(o, occupied, builtAt, 0, threshold);
    }

    public void Dispose() => _occupied.Dispose();
}
