using HeadRecon.Meshing;
using Xunit;

namespace HeadRecon.Tests.Meshing;

public class MeshTests
{
    [Fact]
    public void SimplifiedForDisplayKeepsTheShapeWithinTheVertexBudget()
    {
        var sphere = TestMeshes.Sphere(96, 0.5);
        Assert.True(sphere.VertexCount > 5000);
        var coarse = sphere.SimplifiedForDisplay(1000);
        Assert.InRange(coarse.VertexCount, 100, 1000);
        Assert.True(coarse.FaceCount > 100);
        for (int i = 0; i < coarse.VertexCount; i++)
        {
            double r = Math.Sqrt(coarse.Vertices[3 * i] * coarse.Vertices[3 * i] + coarse.Vertices[3 * i + 1] * coarse.Vertices[3 * i + 1] + coarse.Vertices[3 * i + 2] * coarse.Vertices[3 * i + 2]);
            Assert.InRange(r, 0.4, 0.51);
        }
        Assert.InRange(coarse.SurfaceArea(), 0.8 * sphere.SurfaceArea(), 1.05 * sphere.SurfaceArea());
        Assert.Same(sphere, sphere.SimplifiedForDisplay(sphere.VertexCount));
    }

    [Fact]
    public void LargestComponentKeepsTheBigSphere()
    {
        var small = TestMeshes.Sphere(32, 0.2, (-0.6, 0, 0));
        var big = TestMeshes.Sphere(32, 0.4, (0.4, 0, 0));
        var both = TestMeshes.Concat(small, big);
        var kept = both.LargestComponent();
        Assert.Equal(big.FaceCount, kept.FaceCount);
        Assert.Equal(big.VertexCount, kept.VertexCount);
        var (min, _) = kept.Bounds();
        Assert.True(min.X > -0.05);
        Assert.Equal((0, 0), kept.CountOpenEdges());
    }

    [Fact]
    public void LargestComponentIsChosenByAreaNotTriangleCount()
    {
        // A finely tessellated small patch has more triangles than a coarse big one; area decides.
        var fine = TestMeshes.Plane(0.1, 30);
        var coarse = TestMeshes.Plane(1.0, 2, height: 1);
        var kept = TestMeshes.Concat(fine, coarse).LargestComponent();
        Assert.Equal(coarse.FaceCount, kept.FaceCount);
        Assert.Equal(1.0, kept.SurfaceArea(), 6);
    }

    [Fact]
    public void TransformedScalesThenTranslates()
    {
        var m = new Mesh([1, 2, 3, 0, 0, 0, 1, 0, 0], [0, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var t = m.Transformed(2, (1, -1, 0.5));
        Assert.Equal([3f, 3f, 6.5f, 1f, -1f, 0.5f, 3f, -1f, 0.5f], t.Vertices);
        Assert.Same(m.Colors, t.Colors);
        // Mirroring flips the winding so the surface still faces outward.
        var mirrored = TestMeshes.Sphere(24, 0.5).Transformed(-1, (0, 0, 0));
        Assert.True(mirrored.SignedVolume() > 0);
    }

    [Fact]
    public void AreasBoundsAndNormalsOfAUnitSquare()
    {
        var m = new Mesh([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], [0, 1, 2, 0, 2, 3]);
        Assert.Equal([0.5, 0.5], m.FaceAreas());
        var (min, max) = m.Bounds();
        Assert.Equal((0.0, 0.0, 0.0), min);
        Assert.Equal((1.0, 1.0, 0.0), max);
        Assert.Equal(Math.Sqrt(2), m.BoundsDiagonal(), 12);
        var n = m.VertexNormals();
        for (int i = 0; i < 4; i++) Assert.Equal([0f, 0f, 1f], n[(i * 3)..(i * 3 + 3)]);
        Assert.Equal(4, m.CountOpenEdges().Boundary);
    }

    [Fact]
    public void ConstructorRejectsOutOfRangeFaces()
    {
        Assert.Throws<ArgumentException>(() => new Mesh([0, 0, 0], [0, 0, 1]));
    }
}
