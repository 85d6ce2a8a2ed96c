using HeadRecon.Visualization;
using Xunit;

namespace HeadRecon.Tests.Visualization;

public class OrbitTests
{
    static double[] LookAt(double ex, double ey, double ez)
    {
        var z = Normalize([-ex, -ey, -ez]);
        var x = Normalize(Cross(z, [0, 1, 0]));
        var y = Cross(z, x);
        return [x[0], y[0], z[0], ex, x[1], y[1], z[1], ey, x[2], y[2], z[2], ez, 0, 0, 0, 1];
    }

    static double[] Cross(double[] a, double[] b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    static double[] Normalize(double[] v) { double n = Math.Sqrt(v.Sum(x => x * x)); return v.Select(x => x / n).ToArray(); }

    [Fact]
    public void EndpointsAreTheGivenPosesAndTheMiddleLooksAtTheCentre()
    {
        var a = LookAt(0, 0, 2);
        var b = LookAt(2, 0, 0);
        var poses = Orbit.Interpolate(a, b, 5, (0, 0, 0));
        Assert.Equal(5, poses.Count);
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(a[i], poses[0][i], 4);
            Assert.Equal(b[i], poses[^1][i], 4);
        }
        var mid = poses[2];
        // Centre on the 45° direction at distance 2, viewing axis (third column) pointing at the origin.
        Assert.Equal(Math.Sqrt(2), mid[3], 4);
        Assert.Equal(Math.Sqrt(2), mid[11], 4);
        Assert.Equal(-Math.Sqrt(0.5), mid[2], 4);
        Assert.Equal(-Math.Sqrt(0.5), mid[10], 4);
    }
}
