using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class FaceRegionTests
{
    [Fact]
    public void Masks_cuts_and_crops_keep_exactly_the_inside()
    {
        var sphere = TestMeshes.Sphere(40, 0.5);
        var region = FaceRegion.AroundNoseTip(new Vector3d(0, 0, 0.5), 0.3);
        var mask = region.VertexMask(sphere);
        Assert.Equal(mask.Count(m => m), region.VertexIndices(sphere).Length);
        var cut = region.Cut(sphere);
        Assert.Equal(mask.Count(m => m), cut.VertexCount);
        var crop = region.Crop(sphere);
        Assert.True(crop.FaceCount > 0 && crop.FaceCount < sphere.FaceCount);
        for (int f = 0; f < crop.FaceCount; f++)
        {
            int a = crop.Faces[3 * f], b = crop.Faces[3 * f + 1], c = crop.Faces[3 * f + 2];
            double cz = (crop.Vertices[3 * a + 2] + crop.Vertices[3 * b + 2] + crop.Vertices[3 * c + 2]) / 3;
            Assert.True(cz > 0.5 - 0.3 - 1e-6);
        }
        // A spherical cap of a radius-0.5 sphere cut by a ball of radius 0.3 around its pole: area 2πRh, h = ρ²/(2R).
        double h = 0.3 * 0.3 / (2 * 0.5);
        Assert.Equal(2 * Math.PI * 0.5 * h, crop.SurfaceArea(), 2);
    }

    [Fact]
    public void Face_metrics_of_concentric_spheres_give_the_offset_and_zero_for_the_same_mesh()
    {
        var gt = TestMeshes.Sphere(64, 0.5);
        var rec = TestMeshes.Sphere(64, 0.53);
        var face = FaceRegion.AroundNoseTip(new Vector3d(0, 0, 0.5), 0.35);
        var (head, faceCmp) = RunEvaluator.CompareHeadAndFace(rec, gt, face, unitsToMm: 100, samples: 40_000);
        Assert.Equal(0.03, head.Chamfer, 3);
        Assert.Equal(0.03, faceCmp!.Chamfer, 2);   // the ball cuts the two caps at slightly different heights
        Assert.Equal(3.0, faceCmp.ChamferMm!.Value, 0);
        Assert.Equal(head.FScores.Select(f => f.Threshold), faceCmp.FScores.Select(f => f.Threshold));
        var same = RunEvaluator.CompareHeadAndFace(gt, gt, face, samples: 20_000);
        Assert.Equal(0, same.Face!.Chamfer, 9);
        var report = new EvaluationReport(head, []) { Face = faceCmp };
        Assert.Equal(faceCmp.Chamfer, (double)report.ToDictionary()["face_chamfer"]!);
    }

    [Fact]
    public void From_landmarks_centres_on_the_nose_tip_and_names_a_missing_one()
    {
        var lm = new SyntheticHead(HeadParameters.Random(3, false)).Landmarks();
        var r = FaceRegion.H3ds(lm, SyntheticHead.MillimetresPerUnit);
        Assert.Equal(lm[HeadLandmarks.NoseTip].Z, r.Z);
        Assert.Equal(95.0 / 75.0, r.Radius, 12);
        var none = new HeadLandmarks(lm.Points.Where(kv => kv.Key != HeadLandmarks.NoseTip).ToDictionary());
        Assert.Contains("nose_tip", Assert.Throws<ArgumentException>(() => FaceRegion.FromLandmarks(none, 1)).Message);
        var empty = FaceRegion.AroundNoseTip(new Vector3d(10, 10, 10), 0.1);
        Assert.Contains("no triangles", Assert.Throws<ArgumentException>(() =>
            MeshMetrics.CompareInRegion(TestMeshes.Sphere(20, 0.5), TestMeshes.Sphere(20, 0.5), empty, 100, [0.1], 0, null)).Message);
    }
}
