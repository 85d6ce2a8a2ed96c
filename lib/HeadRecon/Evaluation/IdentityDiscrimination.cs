using System.Globalization;
using HeadRecon.Data;
using HeadRecon.IO;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>One ground truth a reconstruction is compared with: whole-head and face-region Chamfer (mesh units).</summary>
public sealed record IdentityDistance(string Identity, double Chamfer, double? FaceChamfer);

/// <summary>
/// Does a reconstruction look like its own person rather than anyone else? Its Chamfer (whole head and face region)
/// to its own ground truth against the same distance to every other identity's ground truth. A reconstruction that
/// learned only an average head is about as far from everyone; one that learned the person is much closer to its own.
/// </summary>
public sealed record IdentityDiscrimination(string Own, IReadOnlyList<IdentityDistance> Distances)
{
    public IdentityDistance OwnDistance => Distances.Single(d => d.Identity == Own);

    /// <summary>The other identity whose ground truth is nearest to the reconstruction (whole head).</summary>
    public IdentityDistance NearestOther => Distances.Where(d => d.Identity != Own).MinBy(d => d.Chamfer)!;

    /// <summary>Nearest other identity's Chamfer over the own one (whole head): ≥ 2 means twice as close to its own.</summary>
    public double Ratio => NearestOther.Chamfer / OwnDistance.Chamfer;

    /// <summary>The same in the face region, when every ground truth has landmarks.</summary>
    public double? FaceRatio => OwnDistance.FaceChamfer is double own && Distances.Where(d => d.Identity != Own).Select(d => d.FaceChamfer).ToList() is var others && others.All(o => o is not null)
        ? others.Min()!.Value / own : null;

    /// <summary>Compares <paramref name="reconstruction"/> with every <c>&lt;id&gt;.ply</c> in <paramref name="groundTruthDir"/>;
    /// face regions come from each identity's <c>&lt;id&gt;_landmarks.json</c> (H3DS's 95 mm around the nose tip) when present.</summary>
    public static IdentityDiscrimination Compute(Mesh reconstruction, string groundTruthDir, string own, double millimetresPerUnit, int samples = 30_000)
    {
        if (!Directory.Exists(groundTruthDir)) throw new DirectoryNotFoundException($"{groundTruthDir}: ground-truth folder not found");
        var ids = Directory.GetFiles(groundTruthDir, "*.ply").Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Where(n => !n.Contains('.', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (!ids.Contains(own)) throw new FileNotFoundException($"{groundTruthDir}: no ground truth {own}.ply for the reconstructed identity");
        if (ids.Count < 2) throw new InvalidDataException($"{groundTruthDir}: identity discrimination needs the ground truth of at least one other identity");
        var distances = new IdentityDistance[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            var gt = Ply.Read(Path.Combine(groundTruthDir, ids[i] + ".ply"));
            string lm = LandmarksPath(groundTruthDir, ids[i]);
            var face = File.Exists(lm) ? FaceRegion.H3ds(LandmarkFiles.Read3D(lm), millimetresPerUnit) : null;
            var (head, faceCmp) = RunEvaluator.CompareHeadAndFace(reconstruction, gt, face, millimetresPerUnit, samples);
            distances[i] = new IdentityDistance(ids[i], head.Chamfer, faceCmp?.Chamfer);
        }
        return new IdentityDiscrimination(own, distances);
    }

    /// <summary>Where a synthetic family keeps an identity's landmarks (<c>gt/&lt;id&gt;_landmarks.json</c>).</summary>
    public static string LandmarksPath(string groundTruthDir, string id) => Path.Combine(groundTruthDir, id + "_landmarks.json");

    public Dictionary<string, object?> ToDictionary() => new()
    {
        ["own"] = Own,
        ["own_chamfer"] = OwnDistance.Chamfer,
        ["own_face_chamfer"] = OwnDistance.FaceChamfer,
        ["nearest_other"] = NearestOther.Identity,
        ["nearest_other_chamfer"] = NearestOther.Chamfer,
        ["ratio"] = Ratio,
        ["face_ratio"] = FaceRatio,
        ["per_identity"] = Distances.ToDictionary(d => d.Identity, d => new Dictionary<string, double?> { ["chamfer"] = d.Chamfer, ["face_chamfer"] = d.FaceChamfer }),
    };

    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string face = FaceRatio is double f ? string.Create(ci, $", face region {f:F2}×") : "";
        return string.Create(ci, $"own {Own}: Chamfer {OwnDistance.Chamfer:F4}; nearest other {NearestOther.Identity}: {NearestOther.Chamfer:F4} ({Ratio:F2}× farther{face})");
    }
}
