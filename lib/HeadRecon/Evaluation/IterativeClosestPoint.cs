using HeadRecon.Alignment;
using HeadRecon.Data;

namespace HeadRecon.Evaluation;

/// <summary>Settings of <see cref="IterativeClosestPoint"/>; the defaults are trimesh.registration.icp's (and so H3DS's):
/// 20 iterations, stop when the cost falls by less than 1e-5, a similarity with reflections allowed.</summary>
public sealed record IcpOptions(int MaxIterations = 20, double Threshold = 1e-5, ProcrustesScale Scale = ProcrustesScale.RmsRatio, bool AllowReflection = true);

/// <summary>The transform that moves the source onto the target, the cost (mean squared coordinate difference to the
/// nearest target points) after the last step, and the steps taken.</summary>
public sealed record IcpResult(Similarity Transform, double Cost, int Iterations);

/// <summary>
/// Point-to-point ICP as trimesh.registration.icp: each step matches every (moved) source point to its nearest
/// target point (k-d tree over the target), fits a Procrustes transform to those pairs, composes it, and stops after
/// MaxIterations or when the cost decreased by less than Threshold.
/// </summary>
public static class IterativeClosestPoint
{
    public static IcpResult Align(double[] source, float[] target, IcpOptions? options = null, Similarity? initial = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var o = options ?? new IcpOptions();
        if (target.Length < 3) throw new ArgumentException("ICP target has no points");
        var tree = new KdTree(target);
        var total = initial ?? Similarity.Identity;
        int n = source.Length / 3;
        var a = new double[source.Length];
        for (int i = 0; i < n; i++)
        {
            var (x, y, z) = total.Apply(source[3 * i], source[3 * i + 1], source[3 * i + 2]);
            a[3 * i] = x; a[3 * i + 1] = y; a[3 * i + 2] = z;
        }
        var closest = new double[source.Length];
        double oldCost = double.PositiveInfinity, cost = double.NaN;
        int it = 0;
        while (it < o.MaxIterations)
        {
            it++;
            Parallel.For(0, n, i =>
            {
                var (j, _) = tree.Nearest((float)a[3 * i], (float)a[3 * i + 1], (float)a[3 * i + 2]);
                closest[3 * i] = target[3 * j];
                closest[3 * i + 1] = target[3 * j + 1];
                closest[3 * i + 2] = target[3 * j + 2];
            });
            var fit = Procrustes.Fit(a, closest, o.Scale, o.AllowReflection);
            a = fit.Transformed;
            total = total.Then(fit.Transform);
            cost = fit.Cost;
            if (oldCost - cost < o.Threshold) break;
            oldCost = cost;
        }
        return new IcpResult(total, cost, it);
    }
}
