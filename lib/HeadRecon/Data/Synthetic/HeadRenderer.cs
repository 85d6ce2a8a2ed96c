namespace HeadRecon.Data.Synthetic;

/// <summary>Sphere-traces a SyntheticHead into an RGBA8 image (alpha 0 = background); Lambertian + ambient under fixed world lights.</summary>
public static class HeadRenderer
{
    static readonly Vector3d KeyLight = new Vector3d(0.4, 0.6, 0.7).Normalized();
    static readonly Vector3d FillLight = new Vector3d(-0.7, 0.1, 0.5).Normalized();
    const double Ambient = 0.32, KeyStrength = 0.62, FillStrength = 0.25;

    /// <summary>Pixels are sampled at integer (column,row) like VolSDF's rays, so a rendered pixel is exactly what the loader's ray sees.</summary>
    public static byte[] Render(SyntheticHead head, RigCamera cam, int width, int height)
    {
        var rgba = new byte[width * height * 4];
        var (bmin, bmax) = SyntheticHead.Bounds;
        Parallel.For(0, height, row =>
        {
            var uv = new float[width * 2];
            for (int col = 0; col < width; col++) { uv[2 * col] = col; uv[2 * col + 1] = row; }
            var (o, dirs) = PinholeCamera.Compute(cam.Intrinsics, cam.CameraToWorld, uv);
            var origin = new Vector3d(o[0], o[1], o[2]);
            for (int col = 0; col < width; col++)
            {
                var d = new Vector3d(dirs[3 * col], dirs[3 * col + 1], dirs[3 * col + 2]);
                if (!Trace(head, origin, d, bmin, bmax, out var hit)) continue;
                var n = head.Normal(hit);
                var a = head.Albedo(hit);
                double light = Ambient + KeyStrength * Math.Max(0, Vector3d.Dot(n, KeyLight)) + FillStrength * Math.Max(0, Vector3d.Dot(n, FillLight));
                int p = (row * width + col) * 4;
                rgba[p] = ToByte(a.X * light);
                rgba[p + 1] = ToByte(a.Y * light);
                rgba[p + 2] = ToByte(a.Z * light);
                rgba[p + 3] = 255;
            }
        });
        return rgba;
    }

    static byte ToByte(double v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);

    /// <summary>Beyond this distance iq's bound of the elongated ellipsoids (ears, jaw) can grow faster than the true
    /// distance (measured: up to ~1.5×), so the tracer steps more cautiously there; inside the band the SDF is within a
    /// few per cent of 1-Lipschitz.</summary>
    public const double FarField = 0.3, NearStep = 0.85, FarStep = 0.6;

    /// <summary>Sphere tracing inside the head's bounding box, with step factors for the approximate SDF (see <see cref="FarField"/>).</summary>
    public static bool Trace(SyntheticHead head, Vector3d o, Vector3d d, Vector3d bmin, Vector3d bmax, out Vector3d hit)
    {
        hit = default;
        if (!SlabIntersect(o, d, bmin, bmax, out double t0, out double t1)) return false;
        double t = Math.Max(t0, 0);
        for (int i = 0; i < 400 && t <= t1; i++)
        {
            var p = o + d * t;
            double s = head.Distance(p);
            if (s < 2e-4)
            {
                hit = p;
                return true;
            }
            t += (s < FarField ? NearStep : FarStep) * s;
        }
        return false;
    }

    static bool SlabIntersect(Vector3d o, Vector3d d, Vector3d bmin, Vector3d bmax, out double tNear, out double tFar)
    {
        tNear = double.NegativeInfinity;
        tFar = double.PositiveInfinity;
        double[] os = [o.X, o.Y, o.Z], ds = [d.X, d.Y, d.Z], lo = [bmin.X, bmin.Y, bmin.Z], hi = [bmax.X, bmax.Y, bmax.Z];
        for (int i = 0; i < 3; i++)
        {
            if (Math.Abs(ds[i]) < 1e-15)
            {
                if (os[i] < lo[i] || os[i] > hi[i]) return false;
                continue;
            }
            double a = (lo[i] - os[i]) / ds[i], b = (hi[i] - os[i]) / ds[i];
            if (a > b) (a, b) = (b, a);
            tNear = Math.Max(tNear, a);
            tFar = Math.Min(tFar, b);
        }
        return tFar >= Math.Max(tNear, 0);
    }
}
