using HeadRecon.Data;

namespace HeadRecon.Alignment;

/// <summary>One observation of a point: a camera (K 3×3, OpenCV camera-to-world 4×4, row-major) and a pixel (column, row).</summary>
public readonly record struct PixelObservation(double[] Intrinsics, double[] CameraToWorld, double U, double V);

/// <summary>A triangulated point and how well it reprojects.</summary>
public sealed record TriangulatedPoint(string Name, double[] Position, double RmsReprojectionPx, int Views);

/// <summary>
/// Multi-view triangulation: the linear DLT solution (rows u·P₃ − P₁, v·P₃ − P₂ of every view, each row normalised,
/// the right singular vector of the smallest singular value via the 4×4 normal equations), then Levenberg–Marquardt
/// on the reprojection error (the DLT minimises an algebraic error, which weights far views less).
/// </summary>
public static class Triangulation
{
    public static double[] Point(IReadOnlyList<PixelObservation> views)
    {
        if (views.Count < 2) throw new ArgumentException($"triangulation needs at least two views, got {views.Count}");
        var ata = new double[16];
        foreach (var o in views)
        {
            var p = PinholeCamera.Projection(o.Intrinsics, o.CameraToWorld);
            foreach (var (row, coord) in new[] { (0, o.U), (1, o.V) })
            {
                var a = new double[4];
                for (int c = 0; c < 4; c++) a[c] = coord * p[8 + c] - p[row * 4 + c];
                double n = Math.Sqrt(a.Sum(x => x * x));
                for (int c = 0; c < 4; c++) a[c] /= n;
                for (int r = 0; r < 4; r++)
                    for (int c = 0; c < 4; c++) ata[r * 4 + c] += a[r] * a[c];
            }
        }
        var (_, vectors) = LinearAlgebra.SymmetricEigen(ata, 4);
        double w = vectors[3 * 4 + 0];
        double[] x = Math.Abs(w) > 1e-300 ? [vectors[0] / w, vectors[4] / w, vectors[8] / w] : [vectors[0] * 1e12, vectors[4] * 1e12, vectors[8] * 1e12];
        return Refine(views, x);
    }

    /// <summary>Root-mean-square reprojection error in pixels.</summary>
    public static double RmsReprojection(IReadOnlyList<PixelObservation> views, double[] x)
    {
        var r = Residuals(views, x);
        return Math.Sqrt(r.Sum(e => e * e) / views.Count);
    }

    static double[] Refine(IReadOnlyList<PixelObservation> views, double[] x)
    {
        double lambda = 1e-3;
        double cost = Cost(views, x);
        for (int it = 0; it < 50; it++)
        {
            var r = Residuals(views, x);
            // Jacobian by central differences, step relative to the distance to the first camera.
            var c0 = views[0].CameraToWorld;
            double scale = Math.Sqrt(Math.Pow(x[0] - c0[3], 2) + Math.Pow(x[1] - c0[7], 2) + Math.Pow(x[2] - c0[11], 2));
            double h = 1e-6 * Math.Max(scale, 1e-12);
            var j = new double[r.Length * 3];
            for (int k = 0; k < 3; k++)
            {
                var xp = (double[])x.Clone(); xp[k] += h;
                var xm = (double[])x.Clone(); xm[k] -= h;
                var rp = Residuals(views, xp);
                var rm = Residuals(views, xm);
                for (int i = 0; i < r.Length; i++) j[i * 3 + k] = (rp[i] - rm[i]) / (2 * h);
            }
            var jtj = new double[9];
            var jtr = new double[3];
            for (int i = 0; i < r.Length; i++)
                for (int a = 0; a < 3; a++)
                {
                    jtr[a] += j[i * 3 + a] * r[i];
                    for (int b = 0; b < 3; b++) jtj[a * 3 + b] += j[i * 3 + a] * j[i * 3 + b];
                }
            bool improved = false;
            for (int tries = 0; tries < 10 && !improved; tries++)
            {
                var m = (double[])jtj.Clone();
                for (int a = 0; a < 3; a++) m[a * 4] *= 1 + lambda;
                var step = LinearAlgebra.Solve3(m, [-jtr[0], -jtr[1], -jtr[2]]);
                if (step is null) { lambda *= 10; continue; }
                double[] xn = [x[0] + step[0], x[1] + step[1], x[2] + step[2]];
                double cn = Cost(views, xn);
                if (cn < cost)
                {
                    improved = true;
                    bool converged = cost - cn < 1e-14 * Math.Max(cost, 1e-300) || Math.Sqrt(step.Sum(s => s * s)) < 1e-12 * Math.Max(scale, 1e-12);
                    x = xn; cost = cn; lambda = Math.Max(lambda / 10, 1e-12);
                    if (converged) return x;
                }
                else lambda *= 10;
            }
            if (!improved) break;
        }
        return x;
    }

    static double Cost(IReadOnlyList<PixelObservation> views, double[] x) => Residuals(views, x).Sum(e => e * e);

    static double[] Residuals(IReadOnlyList<PixelObservation> views, double[] x)
    {
        var r = new double[2 * views.Count];
        for (int i = 0; i < views.Count; i++)
        {
            var o = views[i];
            var (u, v, depth) = PinholeCamera.Project(o.Intrinsics, o.CameraToWorld, x[0], x[1], x[2]);
            // A point behind a camera gets a large residual so the solver moves it in front.
            if (depth <= 0) { r[2 * i] = 1e6; r[2 * i + 1] = 1e6; continue; }
            r[2 * i] = u - o.U;
            r[2 * i + 1] = v - o.V;
        }
        return r;
    }
}
