using HeadRecon.Meshing;
using Xunit;

namespace HeadRecon.Tests.Meshing;

public class MarchingCubesTests
{
    const int N = 64;
    const double Radius = 0.5;
    static readonly double Voxel = 2.0 / (N - 1);

    [Fact]
    public void SphereVerticesLieWithinHalfAVoxelOfTheRadius()
    {
        var mesh = TestMeshes.Sphere(N, Radius);
        Assert.True(mesh.FaceCount > 1000);
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            double x = mesh.Vertices[i * 3], y = mesh.Vertices[i * 3 + 1], z = mesh.Vertices[i * 3 + 2];
            double r = Math.Sqrt(x * x + y * y + z * z);
            Assert.InRange(r, Radius - Voxel / 2, Radius + Voxel / 2);
        }
    }

    [Fact]
    public void SphereIsClosedAndConsistentlyOriented()
    {
        var mesh = TestMeshes.Sphere(N, Radius);
        Assert.Equal((0, 0), mesh.CountOpenEdges());
        Assert.Equal(0, mesh.CountInconsistentlyOrientedEdges());
        // Euler characteristic of a sphere: V - E + F = 2, with E = 3F/2 for a closed triangle mesh.
        Assert.Equal(2, mesh.VertexCount - mesh.FaceCount * 3 / 2 + mesh.FaceCount);
    }

    [Fact]
    public void SphereWindsOutwardWithTheRightVolume()
    {
        var mesh = TestMeshes.Sphere(N, Radius);
        double expected = 4.0 / 3.0 * Math.PI * Radius * Radius * Radius;
        double volume = mesh.SignedVolume();
        Assert.True(volume > 0, $"signed volume {volume} should be positive (outward winding)");
        Assert.InRange(volume / expected, 0.98, 1.02);
        // Vertex normals point away from the centre.
        var n = mesh.VertexNormals();
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            double dot = n[i * 3] * mesh.Vertices[i * 3] + n[i * 3 + 1] * mesh.Vertices[i * 3 + 1] + n[i * 3 + 2] * mesh.Vertices[i * 3 + 2];
            Assert.True(dot > 0);
        }
    }

    [Fact]
    public void NonZeroLevelExtractsAnOffsetSurface()
    {
        double h = 2.0 / (N - 1);
        var mesh = MarchingCubes.Extract(TestMeshes.SphereGrid(N, Radius), N, N, N, (-1, -1, -1), (h, h, h), level: 0.1f);
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            double r = Math.Sqrt(mesh.Vertices[i * 3] * mesh.Vertices[i * 3] + mesh.Vertices[i * 3 + 1] * mesh.Vertices[i * 3 + 1] + mesh.Vertices[i * 3 + 2] * mesh.Vertices[i * 3 + 2]);
            Assert.InRange(r, 0.6 - Voxel / 2, 0.6 + Voxel / 2);
        }
    }

    [Fact]
    public void RandomFieldsGiveClosedOrientedMeshesInEveryCase()
    {
        // Random values hit all 256 corner patterns, including the ambiguous ones; a field whose boundary
        // layer is positive keeps the surface inside the grid, so it must come out closed and consistent.
        var rng = new Random(7);
        int n = 12;
        var values = new float[n * n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    bool border = i == 0 || j == 0 || k == 0 || i == n - 1 || j == n - 1 || k == n - 1;
                    values[(i * n + j) * n + k] = border ? 1f : (float)(rng.NextDouble() - 0.5);
                }
        var mesh = MarchingCubes.Extract(values, n, n, n, (0, 0, 0), (1, 1, 1));
        Assert.True(mesh.FaceCount > 100);
        Assert.Equal((0, 0), mesh.CountOpenEdges());
        Assert.Equal(0, mesh.CountInconsistentlyOrientedEdges());
        Assert.True(mesh.SignedVolume() > 0);
    }

    [Fact]
    public void ChunkedFunctionExtractionEqualsDenseExtraction()
    {
        int n = 40;
        double[] min = [-1, -1, -1], max = [1, 1, 1];
        var dense = TestMeshes.Sphere(n, Radius, (0.1, -0.05, 0.02));
        float[] Sdf(float[] p)
        {
            var d = new float[p.Length / 3];
            for (int i = 0; i < d.Length; i++)
            {
                double x = p[i * 3] - 0.1, y = p[i * 3 + 1] + 0.05, z = p[i * 3 + 2] - 0.02;
                d[i] = (float)(Math.Sqrt(x * x + y * y + z * z) - Radius);
            }
            return d;
        }
        foreach (int chunk in new[] { 333, 1600, 5000, 1 << 20 })
        {
            int maxCall = 0;
            var streamed = MarchingCubes.ExtractFromFunction(p => { maxCall = Math.Max(maxCall, p.Length / 3); return Sdf(p); }, min, max, n, chunk);
            Assert.True(maxCall <= chunk);
            Assert.Equal(dense.Vertices, streamed.Vertices);
            Assert.Equal(dense.Faces, streamed.Faces);
        }
    }

    /// <summary>Two spheres and a torus: thin parts, a hole and separate components, in a box the step does not divide.</summary>
    static float[] Shapes(float[] p)
    {
        var d = new float[p.Length / 3];
        for (int i = 0; i < d.Length; i++)
        {
            double x = p[i * 3], y = p[i * 3 + 1], z = p[i * 3 + 2];
            double a = Math.Sqrt((x - 0.3) * (x - 0.3) + y * y + z * z) - 0.35;
            double b = Math.Sqrt((x + 0.5) * (x + 0.5) + (y - 0.4) * (y - 0.4) + z * z) - 0.12;
            double q = Math.Sqrt((x + 0.2) * (x + 0.2) + (z + 0.3) * (z + 0.3)) - 0.4;
            double t = Math.Sqrt(q * q + (y + 0.45) * (y + 0.45)) - 0.06;
            d[i] = (float)Math.Min(a, Math.Min(b, t));
        }
        return d;
    }

    [Theory]
    [InlineData(61, 4)]
    [InlineData(97, 4)]
    [InlineData(50, 3)]
    public void NarrowBandExtractionEqualsDenseExtraction(int n, int step)
    {
        double[] min = [-1, -1, -1], max = [1, 1, 1];
        var dense = MarchingCubes.ExtractFromFunction(Shapes, min, max, n);
        var band = MarchingCubes.ExtractNarrowBand(Shapes, min, max, n, out long evaluated, coarseStep: step, chunkPoints: 777);
        Assert.True(dense.FaceCount > 1000);
        Assert.Equal(dense.Vertices, band.Vertices);
        Assert.Equal(dense.Faces, band.Faces);
        Assert.True(evaluated < (long)n * n * n / 2, $"{evaluated} of {n * n * n} points evaluated");
    }

    [Fact]
    public void NarrowBandMissesNothingWhenTheCoarseGridStraddlesAThinShell()
    {
        // A shell thinner than a coarse cell: no coarse point is inside it, so only the distance test finds it.
        float[] Shell(float[] p)
        {
            var d = new float[p.Length / 3];
            for (int i = 0; i < d.Length; i++)
            {
                double r = Math.Sqrt(p[i * 3] * p[i * 3] + p[i * 3 + 1] * p[i * 3 + 1] + p[i * 3 + 2] * p[i * 3 + 2]);
                d[i] = (float)(Math.Abs(r - 0.53) - 0.02);
            }
            return d;
        }
        double[] min = [-1, -1, -1], max = [1, 1, 1];
        var dense = MarchingCubes.ExtractFromFunction(Shell, min, max, 81);
        var band = MarchingCubes.ExtractNarrowBand(Shell, min, max, 81, out _, coarseStep: 8);
        Assert.True(dense.FaceCount > 1000);
        Assert.Equal(dense.Faces, band.Faces);
        Assert.Equal(dense.Vertices, band.Vertices);
        // The slope bound is what makes it exact: assume a far too flat SDF and parts of the shell are lost.
        var careless = MarchingCubes.ExtractNarrowBand(Shell, min, max, 81, out _, coarseStep: 8, slope: 0.05);
        Assert.True(careless.FaceCount < dense.FaceCount / 2, $"{careless.FaceCount} of {dense.FaceCount} faces");
    }

    [Fact]
    public void SurfaceTouchingTheGridEdgeIsLeftOpenNotCorrupted()
    {
        var mesh = TestMeshes.Sphere(24, 1.2);
        Assert.True(mesh.CountOpenEdges().Boundary > 0);
        Assert.Equal(0, mesh.CountOpenEdges().NonManifold);
        Assert.Equal(0, mesh.CountInconsistentlyOrientedEdges());
    }

    [Fact]
    public void GridPointsExactlyOnTheSurfaceKeepTheMeshClosed()
    {
        // With 65 points on [-1, 1] the spacing is 1/32, so (±0.5, 0, 0) etc. are grid points with value exactly 0.
        var mesh = TestMeshes.Sphere(65, 0.5);
        Assert.Equal((0, 0), mesh.CountOpenEdges());
        Assert.Equal(0, mesh.CountInconsistentlyOrientedEdges());
        Assert.InRange(mesh.SignedVolume() / (4.0 / 3.0 * Math.PI * 0.125), 0.98, 1.02);
    }

    [Fact]
    public void RejectsMismatchedGrid()
    {
        Assert.Throws<ArgumentException>(() => MarchingCubes.Extract(new float[10], 2, 2, 2, (0, 0, 0), (1, 1, 1)));
    }
}
