using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Evaluation;
using HeadRecon.Tests.Alignment;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class IterativeClosestPointTests
{
    static double[] Positions(HeadRecon.Meshing.Mesh m) => m.Vertices.Select(v => (double)v).ToArray();

    /// <summary>The source is the target's own vertices moved by T⁻¹, so ICP must find T; a few degrees and a few
    /// percent of the head size, inside ICP's basin (it is a local method).</summary>
    [Theory]
    [InlineData(ProcrustesScale.None, 1.0)]
    [InlineData(ProcrustesScale.RmsRatio, 1.04)]
    public void Recovers_a_known_rigid_or_similarity_transform(ProcrustesScale scale, double s)
    {
        var head = TestMeshes.Head();
        var known = new Similarity(s, Rotations.FromAxisAngle(0.03, -0.05, 0.02), [0.04, -0.03, 0.05]);
        var source = ProcrustesTests.Apply(known.Inverse(), Positions(head));
        var r = IterativeClosestPoint.Align(source, head.Vertices, new IcpOptions(MaxIterations: 200, Threshold: 1e-14, Scale: scale, AllowReflection: false));
        Assert.True(Rotations.AngleBetweenDegrees(r.Transform.Rotation, known.Rotation) < 0.01, $"rotation off by {Rotations.AngleBetweenDegrees(r.Transform.Rotation, known.Rotation)}°");
        Assert.Equal(s, r.Transform.Scale, 4);
        for (int k = 0; k < 3; k++) Assert.Equal(known.Translation[k], r.Transform.Translation[k], 3);
        Assert.True(r.Cost < 1e-8, $"final cost {r.Cost}");
    }

    [Fact]
    public void Trimesh_defaults_stop_after_twenty_iterations_and_reduce_the_cost()
    {
        // In millimetres, the units H3DS's threshold (1e-5 mm²) was chosen for. A misalignment of 2.9° and 3 mm, what a
        // landmark Procrustes leaves for ICP to finish.
        var head = new Similarity(75, Rotations.Identity, [0, 0, 0]).Apply(TestMeshes.Head());
        var known = new Similarity(1, Rotations.FromAxisAngle(0, 0.05, 0), [3, 0, 0]);
        var source = ProcrustesTests.Apply(known.Inverse(), Positions(head));
        var r = IterativeClosestPoint.Align(source, head.Vertices);
        Assert.InRange(r.Iterations, 2, 20);
        double angle = Rotations.AngleBetweenDegrees(r.Transform.Rotation, known.Rotation);
        Assert.True(angle < 1, $"rotation off by {angle}° after {r.Iterations} iterations");
        var before = ChamferDistance.NearestDistances(source.Select(v => (float)v).ToArray(), head.Vertices).Average(d => (double)d * d);
        Assert.True(3 * r.Cost < before / 10, $"cost {3 * r.Cost} vs {before} before");
    }
}
