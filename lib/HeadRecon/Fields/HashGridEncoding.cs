using HeadRecon.Config;
using HeadRecon.Runtime;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// Multiresolution hash encoding (Instant-NGP, Müller et al. 2022) over the cube [−bound, bound]³: L grids of
/// resolution N_l = ⌊N_min·b^l⌋, b = exp((ln N_max − ln N_min)/(L − 1)), each with a table of T = 2^log2 rows of F
/// learned features. A point is trilinearly interpolated from the 8 vertices of its cell on every level and the
/// L results are concatenated level-major → (N, L·F). Coarse levels whose (N_l + 1)³ vertices fit into T are
/// indexed densely (no collisions); finer ones through the spatial hash (x·1 ⊕ y·2654435761 ⊕ z·805459861) mod T.
/// </summary>
/// <remarks>
/// Written with plain differentiable tensor ops (index_select + products of the cell fractions) instead of a custom
/// kernel so that autograd gives ∂/∂table, ∂/∂x and the double backward the stage-2 model needs (∇δ for the normals,
/// then the loss backward through ∇δ) for free. Everything is vectorised over points, levels and corners.
/// </remarks>
public sealed class HashGridEncoding : nn.Module<Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    /// <summary>The hash primes of Instant-NGP (the first is 1 so the x coordinate stays coherent in memory).</summary>
    static readonly long[] HashPrimes = [1L, 2654435761L, 805459861L];
    static readonly DeviceConstant PrimesOnDevice = new(() => tensor(HashPrimes, [1, 3, 1, 1]));

    /// <summary>The table, (L·T, F); level l owns rows [l·T, (l + 1)·T).</summary>
    // Parameters are private fields named for TorchSharp by the original's PyTorch names: Module.to() replaces a moved
    // parameter and writes the new one back into the field whose component name matches, so without the attribute
    // the field would keep the old, disposed tensor.
    [ComponentName(Name = "embeddings")] Parameter _embeddings;
    public Parameter Embeddings => _embeddings;
    readonly int[] _resolutions;
    readonly long[] _denseStrides;   // (DenseLevels·3) vertex strides 1, N+1, (N+1)² of the dense levels
    readonly double _bound;
    // Index constants on the points' device (see DeviceConstant): N_l per level, the dense strides, T − 1.
    readonly DeviceConstant _resolutionsOnDevice, _denseStridesOnDevice, _indexMaskOnDevice;

    public HashGridEncoding(HashGridOptions o, string name = "hash_grid") : base(name)
    {
        if (o.Levels < 1 || o.FeaturesPerLevel < 1) throw new ArgumentException("hash grid: need ≥ 1 level and ≥ 1 feature per level");
        if (o.Log2HashmapSize is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(o), $"log2_hashmap_size {o.Log2HashmapSize} outside 1…30");
        if (o.BaseResolution < 1 || o.FinestResolution < o.BaseResolution)
            throw new ArgumentException($"hash grid: need 1 ≤ base_resolution ≤ finest_resolution, got {o.BaseResolution} and {o.FinestResolution}");
        Levels = o.Levels;
        FeaturesPerLevel = o.FeaturesPerLevel;
        TableSize = 1L << o.Log2HashmapSize;
        _bound = o.Bound;
        double b = o.Levels == 1 ? 1.0 : Math.Exp((Math.Log(o.FinestResolution) - Math.Log(o.BaseResolution)) / (o.Levels - 1));
        // ⌊N_min·b^l⌋ with a relative tolerance: in floating point 16·b^15 comes out as 1023.999…, and the finest
        // level should be N_max (the value of the formula in exact arithmetic).
        _resolutions = [.. Enumerable.Range(0, o.Levels).Select(l => (int)Math.Floor(o.BaseResolution * Math.Pow(b, l) * (1 + 1e-9)))];
        // Resolutions grow with l, so the dense levels are a prefix of the level list.
        DenseLevels = _resolutions.TakeWhile(n => Math.Pow(n + 1.0, 3) <= TableSize).Count();
        _denseStrides = [.. _resolutions.Take(DenseLevels).SelectMany(n => new[] { 1L, n + 1L, (n + 1L) * (n + 1L) })];
        _resolutionsOnDevice = new(() => tensor(_resolutions.Select(r => (double)r).ToArray()).view(Levels, 1, 1));
        _denseStridesOnDevice = new(() => tensor(_denseStrides, [DenseLevels, 3, 1, 1]));
        _indexMaskOnDevice = new(() => tensor(TableSize - 1));
        using (no_grad())
        {
            // Instant-NGP's init: tiny uniform features, so the encoding starts close to 0 and the MLP close to its
            // behaviour without the grid.
            _embeddings = new Parameter(empty(Levels * TableSize, FeaturesPerLevel).uniform_(-o.InitScale, o.InitScale));
        }
        register_parameter("embeddings", _embeddings);
    }

    public int Levels { get; }
    public int FeaturesPerLevel { get; }
    /// <summary>T: rows of the table per level.</summary>
    public long TableSize { get; }
    /// <summary>How many of the coarsest levels are indexed densely ((N_l + 1)³ ≤ T) rather than hashed.</summary>
    public int DenseLevels { get; }
    /// <summary>N_l of every level.</summary>
    public IReadOnlyList<int> Resolutions => _resolutions;
    public int OutputDims => Levels * FeaturesPerLevel;

    /// <summary>How many levels contribute (fractional: the last one partly); <see cref="Levels"/> = all, the default.
    /// Set by the hash_grid.coarse_to_fine_iters schedule.</summary>
    public double ActiveLevels { get; set; } = double.PositiveInfinity;

    /// <summary>Active levels at <paramref name="iteration"/>: start_levels, then linearly to all over coarse_to_fine_iters.</summary>
    public static double ScheduledLevels(HashGridOptions o, int iteration) => o.CoarseToFineIters <= 0
        ? o.Levels
        : Math.Min(o.Levels, o.StartLevels + (o.Levels - o.StartLevels) * (double)iteration / o.CoarseToFineIters);

    /// <summary>x: (N, 3) in scene units → (N, L·F), level-major. Points outside the cube are clamped to its surface.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        int f = FeaturesPerLevel;
        var (index, weights) = Corners(x);                                          // (L, 8, N) each
        // Gather single table elements from the flat (L·T·F) view: on CPU the backward of a 1-D index_select is a
        // plain scatter-add loop, several times faster than the row-wise one of a 2-D table. Level-major order keeps
        // each level's lookups inside its own T·F block of the table (cache-friendly).
        var offsets = arange(Levels, dtype: int64, device: x.device).mul(TableSize).view(Levels, 1, 1);
        var element = ((index + offsets) * f).unsqueeze(2) + arange(f, dtype: int64, device: x.device).view(1, 1, f, 1);
        var values = Embeddings.view(-1).index_select(0, element.view(-1)).view(Levels, 8, f, n);
        var features = (weights.unsqueeze(2) * values).sum(1);                     // (L, F, N)
        if (ActiveLevels < Levels)
        {
            // Coarse to fine: level l is weighted by clamp(active − l, 0, 1), so finer levels fade in one by one and
            // carry no gradient before that (their table rows stay at their init).
            var ramp = (ActiveLevels - arange(Levels, dtype: float32, device: x.device)).clamp(0.0, 1.0).to(features.dtype);
            features = features * ramp.view(Levels, 1, 1);
        }
        return features.permute(2, 0, 1).reshape(n, OutputDims).MoveToOuterDisposeScope();
    }

    /// <summary>The table row of each cell corner within its level, in [0, T): (N, L, 8) int64, corner c = 4·dx + 2·dy + dz.</summary>
    public Tensor CornerIndices(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Corners(x).Index.permute(2, 0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per level, corner and point: the row within the level's table and the trilinear weight, (L, 8, N) each.
    /// The point axis is innermost throughout, so every broadcast below runs over long contiguous rows rather
    /// than over the tiny corner or axis dimensions (3–6× faster on CPU).
    /// </summary>
    (Tensor Index, Tensor Weights) Corners(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != 3) throw new ArgumentException($"hash grid: x must be (N, 3), got ({string.Join(", ", x.shape)})");
        long n = x.shape[0];
        int levels = Levels, dense = DenseLevels, hashed = Levels - DenseLevels;
        var dev = x.device;
        var res = _resolutionsOnDevice.On(dev, x.dtype);
        var u = ((x.t().contiguous() + _bound) / (2 * _bound)).clamp(0.0, 1.0);    // (3, N), N innermost
        var pos = u.unsqueeze(0) * res;                                             // (L, 3, N) in cells
        // The cell's lower vertex. ⌊pos⌋ has no gradient, so x reaches the output through frac only. At u = 1 the
        // last cell (N_l − 1) is used with frac = 1 so that vertex N_l + 1 is never addressed.
        var p0 = minimum(pos.detach().floor(), res - 1);
        var frac = pos - p0;                                                        // (L, 3, N) in [0, 1]

        // Trilinear weights of the 8 corners, ordered c = 4·dx + 2·dy + dz: products of [1 − f, f] per axis.
        var w = stack([1 - frac, frac], 2);                                         // (L, 3, 2, N)
        var weights = (w.select(1, 0).view(levels, 2, 1, 1, n)
                       * w.select(1, 1).view(levels, 1, 2, 1, n)
                       * w.select(1, 2).view(levels, 1, 1, 2, n)).view(levels, 8, n);

        // Indices are built per axis from the two candidate coordinates {i, i + 1} and combined by broadcasting
        // over (dx, dy, dz), so the integer work is on (·, 3, 2, N) instead of (·, 8, 3, N).
        var i0 = p0.to(int64).unsqueeze(2);                                         // (L, 3, 1, N)
        var step = arange(2, dtype: int64, device: dev).view(1, 1, 2, 1);
        var parts = new List<Tensor>(2);
        if (dense > 0)
        {
            // Dense: ix + iy·(N+1) + iz·(N+1)², i.e. the sum of per-axis terms.
            var strides = _denseStridesOnDevice.On(dev);
            var a = (i0.narrow(0, 0, dense) + step) * strides;                     // (Ld, 3, 2, N)
            parts.Add((a.select(1, 0).view(dense, 2, 1, 1, n)
                       + a.select(1, 1).view(dense, 1, 2, 1, n)
                       + a.select(1, 2).view(dense, 1, 1, 2, n)).view(dense, 8, n));
        }
        if (hashed > 0)
        {
            // Hashed: (ix·π₁ ⊕ iy·π₂ ⊕ iz·π₃) mod T. In int64 the products do not overflow (coordinates ≤ 2^30,
            // primes < 2^32), and as the low bits of a product depend only on the low bits of its factors, masking
            // with T − 1 gives the same index as Instant-NGP's uint32 arithmetic.
            var primes = PrimesOnDevice.On(dev);
            var a = (i0.narrow(0, dense, hashed) + step) * primes;                 // (Lh, 3, 2, N)
            var h = a.select(1, 0).view(hashed, 2, 1, 1, n)
                .bitwise_xor(a.select(1, 1).view(hashed, 1, 2, 1, n))
                .bitwise_xor(a.select(1, 2).view(hashed, 1, 1, 2, n));
            parts.Add(h.view(hashed, 8, n).bitwise_and(_indexMaskOnDevice.On(dev)));
        }
        var index = parts.Count == 1 ? parts[0] : cat(parts, 0);
        return (index, weights);
    }
}
