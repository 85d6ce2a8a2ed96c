using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class MeshMetricsTests
{
    static readonly Mesh Sphere = TestMeshes.Sphere(48, 0.5);

    [Fact]
    public void SamplerIsSeededAreaWeightedAndOnTheSurface()
    {
        // Two triangles of area 0.5 and 0.125: samples split 4:1.
        var mesh = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 2.5f, 0, 0, 2, 0.5f, 0], [0, 1, 2, 3, 4, 5]);
        var s = SurfaceSampler.Sample(mesh, 20000, seed: 1);
        Assert.Equal(s.Points, SurfaceSampler.Sample(mesh, 20000, seed: 1).Points);
        Assert.NotEqual(s.Points, SurfaceSampler.Sample(mesh, 20000, seed: 2).Points);
        double share = s.FaceIndices.Count(f => f == 0) / 20000.0;
        Assert.InRange(share, 0.78, 0.82);
        for (int i = 0; i < s.Count; i++)
        {
            float x = s.Points[i * 3], y = s.Points[i * 3 + 1];
            Assert.Equal(0f, s.Points[i * 3 + 2]);
            if (s.FaceIndices[i] == 0) Assert.True(x >= 0 && y >= 0 && x + y <= 1.000001f);
            else Assert.True(x >= 2 && y >= 0 && (x - 2) + y <= 0.500001f);
            Assert.Equal([0f, 0f, 1f], s.Normals[(i * 3)..(i * 3 + 3)]);
        }
    }

    [Fact]
    public void IdenticalMeshesScorePerfectly()
    {
        var r = MeshMetrics.Compare(Sphere, Sphere, 20000, [0.001, 0.01], seed: 5, unitsToMm: 100);
        Assert.Equal(0, r.Chamfer, 9);
        Assert.Equal(0, r.ChamferMm!.Value, 9);
        Assert.All(r.FScores, f => Assert.Equal(1.0, f.F));
        Assert.Equal(1.0, r.NormalConsistency, 6);
        Assert.Equal(Math.Sqrt(3), r.GroundTruthDiagonal, 2);
    }

    [Fact]
    public void PlaneTranslatedAlongItsNormalHasChamferEqualToTheShift()
    {
        var plane = TestMeshes.Plane(1.0, 4);
        const double Shift = 0.05;
        var moved = plane.Transformed(1, (0, 0, Shift));
        var r = MeshMetrics.Compare(moved, plane, 100_000, [0.04, 0.06], seed: 2, unitsToMm: null);
        Assert.Equal(Shift, r.Chamfer, 3);
        Assert.Equal(Shift, r.Accuracy, 3);
        Assert.Equal(Shift, r.Completeness, 3);
        Assert.Null(r.ChamferMm);
        Assert.Equal(0, r.FScores[0].F);
        Assert.Equal(1, r.FScores[1].F);
        Assert.Equal(1.0, r.NormalConsistency, 6);
        Assert.Equal(r.Chamfer / r.GroundTruthDiagonal, r.ChamferOverDiagonal, 12);
    }

    [Fact]
    public void SphereTranslatedByDHasChamferAboutHalfOfD()
    {
        // Distance from a unit-sphere point to the shifted sphere ≈ d |cos θ|, whose mean over the sphere is d / 2.
        const double D = 0.02;
        var r = MeshMetrics.Compare(Sphere.Transformed(1, (D, 0, 0)), Sphere, 100_000, [0.05], seed: 4, unitsToMm: 1000);
        Assert.InRange(r.Chamfer, 0.45 * D, 0.6 * D);
        Assert.Equal(r.Chamfer * 1000, r.ChamferMm!.Value, 9);
        Assert.Equal(1, r.FScores[0].F);
        Assert.True(r.NormalConsistency > 0.98);
    }

    [Fact]
    public void FScoreSeparatesPrecisionFromRecall()
    {
        // Reconstruction = the GT plane plus a far-away extra plane of equal area: recall stays 1, precision halves.
        var plane = TestMeshes.Plane(1.0, 2);
        var rec = TestMeshes.Concat(plane, plane.Transformed(1, (5, 0, 0)));
        var r = MeshMetrics.Compare(rec, plane, 50_000, [0.02], seed: 9, unitsToMm: null);
        var f = r.FScores[0];
        Assert.Equal(1.0, f.Recall);
        Assert.InRange(f.Precision, 0.47, 0.53);
        Assert.Equal(2 * f.Precision / (f.Precision + 1), f.F, 9);
        Assert.True(r.Accuracy > 2 && r.Completeness < 0.01);
        Assert.Contains("fscore@0.02", r.ToDictionary().Keys);
    }

    [Fact]
    public void ErrorColoringMeasuresDistanceToTheOtherSurface()
    {
        var inner = TestMeshes.Sphere(40, 0.4);
        var res = ErrorColoring.Apply(inner, Sphere, maxDistance: 0.2, referenceSamples: 50_000);
        Assert.Equal(inner.VertexCount, res.Distances.Length);
        // Exact answer is 0.1 (minus the marching-cubes chord error of the two spheres).
        Assert.All(res.Distances, x => Assert.InRange(x, 0.09, 0.11));
        Assert.Equal(inner.Vertices.Length, res.Colored.Colors!.Length);
        // 0.1 of 0.2 is the middle of the scale: green.
        Assert.Equal(255, res.Colored.Colors[1]);
        Assert.True(res.Colored.Colors[0] < 20 && res.Colored.Colors[2] < 20);
        Assert.Equal([0, 0, 255], ErrorColoring.Colorize([0f], 1));
        Assert.Equal([255, 0, 0], ErrorColoring.Colorize([5f], 1));
    }

    [Fact]
    public void PointTriangleDistanceCoversAllRegions()
    {
        var tri = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]);
        Assert.Equal(2, ErrorColoring.PointTriangleDistance(0.2, 0.2, 2, tri, 0), 6);     // face
        Assert.Equal(1, ErrorColoring.PointTriangleDistance(-1, 0, 0, tri, 0), 6);        // vertex a
        Assert.Equal(1, ErrorColoring.PointTriangleDistance(0.5, -1, 0, tri, 0), 6);      // edge ab
        Assert.Equal(Math.Sqrt(0.5), ErrorColoring.PointTriangleDistance(1, 1, 0, tri, 0), 6); // edge bc
    }
}
