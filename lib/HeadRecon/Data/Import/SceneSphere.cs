using System.Globalization;

namespace HeadRecon.Data.Import;

/// <summary>The object's bounding sphere in the source's world frame, and how it was found.</summary>
public sealed record SceneSphere(double[] Centre, double Radius, double CameraRadius, int PointsUsed, string Method)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"centre ({Centre[0]:G6}, {Centre[1]:G6}, {Centre[2]:G6}), radius {Radius:G6} ({Method}; the cameras alone: {CameraRadius:G6}{(PointsUsed > 0 ? $", {PointsUsed} sparse points" : "")})");

    /// <summary>
    /// Estimates the sphere. From the cameras: the centre is the least-squares point nearest to every optical axis
    /// (where the cameras look; it must lie in front of each camera, which catches inverted poses), the radius the
    /// largest sphere around it that every camera sees whole: min over cameras of d·sin(½FOV − off-axis angle),
    /// ½FOV the narrowest half field of view from the principal point to an image edge. With at least
    /// <see cref="MinPoints"/> sparse points within 1.5 camera radii of that centre (background is dropped): the centre
    /// is the middle of the inliers' 2.5–97.5 % percentile box and the radius the 97.5th-percentile distance to it
    /// ×1.1 (percentiles, so stray points do not inflate it).
    /// </summary>
    public static SceneSphere Estimate(IReadOnlyList<ImportCamera> cameras, IReadOnlyList<double[]>? points = null)
    {
        if (cameras.Count < 2) throw new DatasetException($"{cameras.Count} camera(s): at least two are needed to locate the object from the viewing rays");
        var c = PinholeCamera.ClosestPointToOpticalAxes(cameras.Select(k => k.CameraToWorld))
            ?? throw new DatasetException("the cameras' optical axes are parallel: the object cannot be located from the viewing rays");
        double camRadius = double.PositiveInfinity;
        foreach (var cam in cameras)
        {
            var k = cam.Intrinsics;
            var (_, _, depth) = PinholeCamera.Project(k, cam.CameraToWorld, c[0], c[1], c[2]);
            if (depth <= 0)
                throw new DatasetException($"camera '{cam.Name}': the point the cameras look at is behind it; {ConventionHint}");
            double halfFov = Math.Min(Math.Min(Math.Atan((k[2] + 0.5) / k[0]), Math.Atan((cam.Width - 0.5 - k[2]) / k[0])),
                                      Math.Min(Math.Atan((k[5] + 0.5) / k[4]), Math.Atan((cam.Height - 0.5 - k[5]) / k[4])));
            var o = cam.Centre;
            double[] to = [c[0] - o[0], c[1] - o[1], c[2] - o[2]];
            double d = Math.Sqrt(to[0] * to[0] + to[1] * to[1] + to[2] * to[2]);
            var axis = cam.Axis;
            double off = Math.Acos(Math.Clamp((to[0] * axis[0] + to[1] * axis[1] + to[2] * axis[2]) / d, -1, 1));
            if (off >= halfFov)
                throw new DatasetException($"camera '{cam.Name}': the point the cameras look at is outside its field of view; {ConventionHint}");
            camRadius = Math.Min(camRadius, d * Math.Sin(halfFov - off));
        }
        if (points is null || points.Count < MinPoints) return new SceneSphere(c, camRadius, camRadius, 0, "viewing rays");

        var inliers = points.Where(p => Dist(p, c) < 1.5 * camRadius).ToList();
        if (inliers.Count < MinPoints) return new SceneSphere(c, camRadius, camRadius, 0, $"viewing rays; only {inliers.Count} sparse points near them");
        var centre = new double[3];
        for (int a = 0; a < 3; a++)
        {
            var v = inliers.Select(p => p[a]).ToArray();
            centre[a] = 0.5 * (Percentile(v, 0.025) + Percentile(v, 0.975));
        }
        double r = 1.1 * Percentile(inliers.Select(p => Dist(p, centre)).ToArray(), 0.975);
        return new SceneSphere(centre, r, camRadius, inliers.Count, "sparse points");
    }

    public const int MinPoints = 20;

    const string ConventionHint = "are the poses camera-to-world where world-to-camera was expected, or OpenGL axes (y up, z backwards) where OpenCV axes (y down, z forward) were expected?";

    static double Dist(double[] a, double[] b) => Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));

    /// <summary>Linear-interpolation percentile (numpy's default).</summary>
    internal static double Percentile(double[] values, double q)
    {
        var s = (double[])values.Clone();
        Array.Sort(s);
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(s.Length - 1, lo + 1);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
