using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class H3dsProtocolTests
{
    /// <summary>The synthetic head in millimetres and its landmarks.</summary>
    static (Mesh Mesh, HeadLandmarks Landmarks) HeadMm()
    {
        var mm = new Similarity(SyntheticHead.MillimetresPerUnit, Rotations.Identity, [0, 0, 0]);
        var lm = new SyntheticHead(HeadParameters.Random(3, false)).Landmarks();
        return (mm.Apply(TestMeshes.Head()), new HeadLandmarks(lm.Points.ToDictionary(kv => kv.Key, kv => kv.Value * SyntheticHead.MillimetresPerUnit)));
    }

    static HeadLandmarks Moved(HeadLandmarks l, Similarity t) => new(l.Points.ToDictionary(kv => kv.Key, kv =>
    {
        var p = t.Apply([kv.Value.X, kv.Value.Y, kv.Value.Z]);
        return new Vector3d(p[0], p[1], p[2]);
    }));

    [Fact]
    public void A_mesh_against_itself_scores_zero_in_both_regions()
    {
        var (mesh, lm) = HeadMm();
        var r = H3dsProtocol.Evaluate(mesh, mesh, lm, lm);
        Assert.Equal(2, r.Regions.Count);
        Assert.All(r.Regions, x => Assert.True(x.MeanMm < 1e-4, $"{x.Region}: {x.MeanMm} mm"));
        Assert.Equal(mesh.VertexCount, r.PredictionVertices);
        Assert.Equal(mesh.VertexCount, r[H3dsProtocol.FullHead]!.GroundTruthVertices);
        // The face sphere holds the GT vertices within 95 mm of the nose tip, and only those.
        var face = r[H3dsProtocol.FaceSphere]!;
        var tip = lm[HeadLandmarks.NoseTip];
        int inside = Enumerable.Range(0, mesh.VertexCount).Count(i =>
            Math.Pow(mesh.Vertices[3 * i] - tip.X, 2) + Math.Pow(mesh.Vertices[3 * i + 1] - tip.Y, 2) + Math.Pow(mesh.Vertices[3 * i + 2] - tip.Z, 2) < 95.0 * 95.0);
        Assert.Equal(inside, face.GroundTruthVertices);
        Assert.InRange(face.GroundTruthVertices, mesh.VertexCount / 5, mesh.VertexCount * 4 / 5);
        Assert.True(r.LandmarkRmsMm < 1e-6);
    }

    [Fact]
    public void A_known_rigid_pose_is_undone_by_landmarks_then_ICP()
    {
        var (mesh, lm) = HeadMm();
        // 35° and 60 mm: outside ICP's basin on its own, inside after the landmark Procrustes.
        var pose = new Similarity(1, Rotations.FromAxisAngle(0.2, 0.55, -0.1), [60, -25, 40]);
        var pred = pose.Apply(mesh);
        var withLm = H3dsProtocol.Evaluate(pred, mesh, lm, Moved(lm, pose));
        Assert.True(Rotations.AngleBetweenDegrees(withLm.LandmarkAlignment!.Rotation, pose.Inverse().Rotation) < 1e-6);
        Assert.All(withLm.Regions, x => Assert.True(x.MeanMm < 1e-3, $"{x.Region}: {x.MeanMm} mm"));
        var without = H3dsProtocol.Evaluate(pred, mesh, lm);
        Assert.True(without[H3dsProtocol.FullHead]!.MeanMm > 5, $"{without[H3dsProtocol.FullHead]!.MeanMm}");
    }

    [Fact]
    public void A_known_offset_gives_its_distance_and_the_similarity_ICP_absorbs_a_uniform_scale()
    {
        // GT: sphere of radius 60 mm; prediction: the concentric sphere of radius 63 mm, denser (nearest-vertex distances).
        var gt = new Similarity(100, Rotations.Identity, [0, 0, 0]).Apply(TestMeshes.Sphere(48, 0.6));
        var pred = new Similarity(100, Rotations.Identity, [0, 0, 0]).Apply(TestMeshes.Sphere(160, 0.63));
        var noIcp = H3dsProtocol.Evaluate(pred, gt, options: new H3dsOptions(Icp: new IcpOptions(MaxIterations: 0)));
        double spacing = 200.0 / 159; // pred grid step in mm: the nearest vertex is at most ~half a step off the normal
        Assert.InRange(noIcp[H3dsProtocol.FullHead]!.MeanMm, 3.0 - 0.05, 3.0 + spacing * spacing / 3);
        var rigid = H3dsProtocol.Evaluate(pred, gt, options: new H3dsOptions(Icp: new IcpOptions(Scale: ProcrustesScale.None, AllowReflection: false)));
        Assert.InRange(rigid[H3dsProtocol.FullHead]!.MeanMm, 3.0 - 0.05, 3.0 + spacing * spacing / 3);
        // H3DS's ICP (trimesh defaults) fits a scale: the offset sphere is a scaled copy, so it scores almost zero.
        var h3ds = H3dsProtocol.Evaluate(pred, gt);
        Assert.Equal(63.0 / 60.0, h3ds[H3dsProtocol.FullHead]!.Icp.Transform.Scale, 2);
        Assert.True(h3ds[H3dsProtocol.FullHead]!.MeanMm < 0.5, $"{h3ds[H3dsProtocol.FullHead]!.MeanMm}");
    }

    [Fact]
    public void Units_are_converted_to_millimetres_before_the_protocol()
    {
        var (mesh, lm) = HeadMm();
        var offset = new Similarity(1, Rotations.Identity, [0, 0, 2]).Apply(mesh);
        var inMm = H3dsProtocol.Evaluate(offset, mesh, lm, options: new H3dsOptions(Icp: new IcpOptions(MaxIterations: 0)));
        var toMetres = new Similarity(0.001, Rotations.Identity, [0, 0, 0]);
        var lmM = new HeadLandmarks(lm.Points.ToDictionary(kv => kv.Key, kv => kv.Value * 0.001));
        var inM = H3dsProtocol.Evaluate(toMetres.Apply(offset), toMetres.Apply(mesh), lmM, options: new H3dsOptions(MillimetresPerUnit: 1000, Icp: new IcpOptions(MaxIterations: 0)));
        Assert.Equal(inMm[H3dsProtocol.FaceSphere]!.MeanMm, inM[H3dsProtocol.FaceSphere]!.MeanMm, 2);
        Assert.Equal(inMm[H3dsProtocol.FaceSphere]!.GroundTruthVertices, inM[H3dsProtocol.FaceSphere]!.GroundTruthVertices);
        Assert.InRange(inMm[H3dsProtocol.FaceSphere]!.MeanMm, 0.3, 2.0); // a 2 mm shift, measured to the nearest vertex
    }

    [Fact]
    public void Missing_landmarks_are_named()
    {
        var (mesh, lm) = HeadMm();
        var partial = new HeadLandmarks(lm.Points.Where(kv => kv.Key != HeadLandmarks.NoseBase).ToDictionary());
        var ex = Assert.Throws<ArgumentException>(() => H3dsProtocol.Evaluate(mesh, mesh, lm, partial));
        Assert.Contains("nose_base", ex.Message);
    }
}
