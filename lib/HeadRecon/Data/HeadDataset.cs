namespace HeadRecon.Data;

/// <summary>
/// One image of one identity with its camera. Rgb is H*W*3 row-major in [0,1] (background already composited as the
/// format prescribes); Mask is H*W in {0,1} or null; Intrinsics is 3x3 row-major (skew at [1]);
/// CameraToWorld is 4x4 row-major in the OpenCV camera convention (x right, y down, z forward).
/// </summary>
public sealed record HeadView(
    string IdentityName,
    int IdentityIndex,
    string ViewName,
    int Height,
    int Width,
    float[] Rgb,
    float[]? Mask,
    double[] Intrinsics,
    double[] CameraToWorld)
{
    public double Fx => Intrinsics[0];
    public double Fy => Intrinsics[4];
    public double Cx => Intrinsics[2];
    public double Cy => Intrinsics[5];
    public double Skew => Intrinsics[1];
    public (double X, double Y, double Z) Center => (CameraToWorld[3], CameraToWorld[7], CameraToWorld[11]);
}

/// <summary>Pixels of one view: Uv is n*2 (column, row) integer-valued (no +0.5, as VolSDF), Rgb is n*3.</summary>
public sealed record PixelBatch(int ViewIndex, float[] Uv, float[] Rgb)
{
    public int Count => Uv.Length / 2;
}

/// <summary>Counts and sanity warnings about a loaded dataset.</summary>
public sealed record DatasetSummary(
    string Source,
    int NumViews,
    int NumIdentities,
    IReadOnlyDictionary<string, int> ViewsPerIdentity,
    double MinCameraDistance,
    double MaxCameraDistance,
    (double X, double Y, double Z) EstimatedObjectCenter,
    IReadOnlyList<string> Warnings)
{
    public override string ToString()
    {
        var lines = new List<string>
        {
            $"{Source}: {NumViews} views, {NumIdentities} identities",
            "views per identity: " + string.Join(", ", ViewsPerIdentity.Select(kv => $"{kv.Key}={kv.Value}")),
            $"camera distance from origin: {MinCameraDistance:F3} .. {MaxCameraDistance:F3}",
            $"estimated object centre (closest point to the optical axes): ({EstimatedObjectCenter.X:F3}, {EstimatedObjectCenter.Y:F3}, {EstimatedObjectCenter.Z:F3})",
        };
        lines.AddRange(Warnings.Select(w => "WARNING: " + w));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>The common product of every loader (PR/FLM XML, IDR/DTU/H3DS npz, FaceScape).</summary>
public sealed class HeadDataset
{
    public HeadDataset(
        IReadOnlyList<HeadView> views,
        IReadOnlyList<string> identityNames,
        double worldToDatasetScale,
        double[]? scaleMat,
        double? unitsToMm,
        string source)
    {
        if (views.Count == 0) throw new DatasetException($"{source}: no views were loaded");
        foreach (var v in views)
        {
            if (v.Rgb.Length != v.Height * v.Width * 3) throw new ArgumentException($"{v.ViewName}: Rgb length does not match {v.Height}x{v.Width}");
            if (v.Mask is not null && v.Mask.Length != v.Height * v.Width) throw new ArgumentException($"{v.ViewName}: Mask length does not match {v.Height}x{v.Width}");
            if (v.Intrinsics.Length != 9 || v.CameraToWorld.Length != 16) throw new ArgumentException($"{v.ViewName}: camera matrices must be 3x3 and 4x4");
            if (v.IdentityIndex < 0 || v.IdentityIndex >= identityNames.Count) throw new ArgumentException($"{v.ViewName}: identity index {v.IdentityIndex} outside the identity list");
        }
        Views = views;
        IdentityNames = identityNames;
        WorldToDatasetScale = worldToDatasetScale;
        ScaleMat = scaleMat;
        UnitsToMm = unitsToMm;
        Source = source;
    }

    public IReadOnlyList<HeadView> Views { get; }
    /// <summary>The sorted identity list (embedding row i belongs to IdentityNames[i]), including an appended unseen id when fine-tuning.</summary>
    public IReadOnlyList<string> IdentityNames { get; }
    public int NumIdentities => IdentityNames.Count;
    /// <summary>Multiply reconstructed vertices by this to get dataset units (e.g. 1/cam_scale for PR: XML units).</summary>
    public double WorldToDatasetScale { get; }
    /// <summary>IDR only: 4x4 row-major scale matrix mapping dataset (normalised) units to the original world.</summary>
    public double[]? ScaleMat { get; }
    /// <summary>Millimetres per reconstruction unit when the format defines it (FaceScape: 100).</summary>
    public double? UnitsToMm { get; }
    public string Source { get; }
    /// <summary>dataset.alignment: the similarity that moved the loader's cameras into the model (template) frame, or
    /// null. Meshes go back through its inverse before <see cref="WorldToDatasetScale"/> / <see cref="ScaleMat"/>.</summary>
    public Similarity? Alignment { get; init; }

    /// <summary>What the loader had to assume (grayscale or 16-bit images, …), one line each, for the user to see once.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Counts plus warnings that catch the usual frame mistakes before hours of training are wasted.</summary>
    public DatasetSummary Summarize(double sceneBoundingSphere)
    {
        var warnings = new List<string>();
        var perId = new SortedDictionary<string, int>(StringComparer.Ordinal);
        double minD = double.MaxValue, maxD = 0;
        foreach (var v in Views)
        {
            perId[v.IdentityName] = perId.GetValueOrDefault(v.IdentityName) + 1;
            var c = v.Center;
            double d = Math.Sqrt(c.X * c.X + c.Y * c.Y + c.Z * c.Z);
            minD = Math.Min(minD, d);
            maxD = Math.Max(maxD, d);
            if (d >= sceneBoundingSphere)
                warnings.Add($"{v.IdentityName}/{v.ViewName}: camera centre at distance {d:F3} is outside the scene bounding sphere (radius {sceneBoundingSphere}); VolSDF assumes cameras inside it");
            if (v.Cx < 0 || v.Cx > v.Width || v.Cy < 0 || v.Cy > v.Height || Math.Abs(v.Cx - v.Width / 2.0) > 0.25 * v.Width || Math.Abs(v.Cy - v.Height / 2.0) > 0.25 * v.Height)
                warnings.Add($"{v.IdentityName}/{v.ViewName}: principal point ({v.Cx:F1}, {v.Cy:F1}) is far from the centre of the {v.Width}x{v.Height} image; the intrinsics may belong to another resolution");
            if (v.Fx <= 0 || v.Fy <= 0)
                warnings.Add($"{v.IdentityName}/{v.ViewName}: non-positive focal length ({v.Fx}, {v.Fy})");
        }
        var centre = ClosestPointToOpticalAxes();
        double cn = Math.Sqrt(centre.X * centre.X + centre.Y * centre.Y + centre.Z * centre.Z);
        if (Views.Count >= 2 && cn > 0.5 * sceneBoundingSphere)
            warnings.Add($"the optical axes converge at ({centre.X:F3}, {centre.Y:F3}, {centre.Z:F3}), {cn:F3} from the origin: the object is likely outside the scene bounding sphere (radius {sceneBoundingSphere}) or off-centre");
        if (warnings.Count > 20)
        {
            int extra = warnings.Count - 20;
            warnings.RemoveRange(20, extra);
            warnings.Add($"... and {extra} more warnings");
        }
        return new DatasetSummary(Source, Views.Count, NumIdentities, perId, minD, maxD, centre, warnings);
    }

    /// <summary>Least-squares point nearest to every view's optical axis: where the cameras look.</summary>
    (double X, double Y, double Z) ClosestPointToOpticalAxes()
    {
        var x = PinholeCamera.ClosestPointToOpticalAxes(Views.Select(v => v.CameraToWorld));
        return x is null ? (double.NaN, double.NaN, double.NaN) : (x[0], x[1], x[2]);
    }

    /// <summary>
    /// Draws n pixels of one view uniformly (with replacement), or uniformly inside the mask's bounding box grown by
    /// 30 px and clipped to the image (FaceScape's sampling set) when maskBoundingBox is set and the view has a mask.
    /// With detailFraction &gt; 0 that share of the n (rounded) is drawn instead in proportion to the image's local
    /// contrast (<see cref="DetailSampling"/>); the uniform draws come first, the same as with detailFraction 0.
    /// </summary>
    public PixelBatch SamplePixels(Random rng, int viewIndex, int n, bool maskBoundingBox = false, double detailFraction = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (!(detailFraction is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(detailFraction), detailFraction, "must be in 0…1");
        var v = Views[viewIndex];
        var (r0, r1, c0, c1) = maskBoundingBox && v.Mask is not null ? MaskBoundingBox(v, 30) : (0, v.Height - 1, 0, v.Width - 1);
        var uv = new float[n * 2];
        var rgb = new float[n * 3];
        int uniform = UniformPixelCount(n, detailFraction);
        double[]? cdf = uniform < n ? DetailCdf(viewIndex) : null;
        for (int i = 0; i < n; i++)
        {
            int col, row;
            if (i < uniform)
            {
                col = c0 + rng.Next(c1 - c0 + 1);
                row = r0 + rng.Next(r1 - r0 + 1);
            }
            else
            {
                int k = CumulativeDistribution.Index(cdf!, rng.NextDouble());
                row = k / v.Width;
                col = k % v.Width;
            }
            uv[2 * i] = col;
            uv[2 * i + 1] = row;
            int p = (row * v.Width + col) * 3;
            rgb[3 * i] = v.Rgb[p];
            rgb[3 * i + 1] = v.Rgb[p + 1];
            rgb[3 * i + 2] = v.Rgb[p + 2];
        }
        return new PixelBatch(viewIndex, uv, rgb);
    }

    /// <summary>The uniformly drawn share of a batch of n with <paramref name="detailFraction"/> (they come first).</summary>
    public static int UniformPixelCount(int n, double detailFraction) => n - (int)Math.Round(n * detailFraction);

    readonly Dictionary<int, double[]> _detailCdfs = [];

    /// <summary>The view's <see cref="DetailSampling.Cdf"/>, computed on first use.</summary>
    double[] DetailCdf(int viewIndex)
    {
        lock (_detailCdfs)
        {
            if (!_detailCdfs.TryGetValue(viewIndex, out var cdf)) _detailCdfs[viewIndex] = cdf = DetailSampling.Cdf(Views[viewIndex]);
            return cdf;
        }
    }

    /// <summary>Inclusive row/column extent of the mask grown by margin and clipped; the whole image when the mask is empty.</summary>
    public static (int RowMin, int RowMax, int ColMin, int ColMax) MaskBoundingBox(HeadView v, int margin)
    {
        if (v.Mask is null) return (0, v.Height - 1, 0, v.Width - 1);
        int rMin = int.MaxValue, rMax = -1, cMin = int.MaxValue, cMax = -1;
        for (int r = 0; r < v.Height; r++)
            for (int c = 0; c < v.Width; c++)
                if (v.Mask[r * v.Width + c] > 0.5f)
                {
                    rMin = Math.Min(rMin, r); rMax = Math.Max(rMax, r);
                    cMin = Math.Min(cMin, c); cMax = Math.Max(cMax, c);
                }
        if (rMax < 0) return (0, v.Height - 1, 0, v.Width - 1);
        return (Math.Max(0, rMin - margin), Math.Min(v.Height - 1, rMax + margin), Math.Max(0, cMin - margin), Math.Min(v.Width - 1, cMax + margin));
    }
}
