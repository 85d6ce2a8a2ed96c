using System.Globalization;
using HeadRecon.Data.Import;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests.Data.Import;

/// <summary>One synthetic capture (5 views at 64², COLMAP models for 5 and 3 views, GT at 64 voxels), generated once.</summary>
public sealed class CaptureFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public CaptureSceneOptions Options { get; }
    public string Capture => Path.Combine(Options.OutDir, CaptureSceneWriter.IdentityName(0));
    public int IdentitySeed => CaptureSceneWriter.IdentitySeed(Options.Seed, 0);
    public SyntheticHead Head => new(HeadParameters.Random(IdentitySeed, false));
    public CaptureRig Rig => CaptureSceneWriter.Rig(IdentitySeed, Options.Resolution);

    public CaptureFixture()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        Options = new CaptureSceneOptions(Dir["captures"], Identities: 1, Resolution: 64, Seed: 0, LandmarkNoisePx: 0.3, GtResolution: 64, SparsePoints: 200);
        CaptureSceneWriter.Write(Options);
    }

    public string Path3(params string[] parts) => Path.Combine([Capture, .. parts]);

    /// <summary>Imports the capture's COLMAP model with <paramref name="views"/> views into a new scene folder.</summary>
    public SceneImportReport Import(string outDir, int views = 3, ColmapFormat format = ColmapFormat.Auto, bool crop = false, int size = 0)
    {
        var (cams, points) = ColmapImport.Load(Path3("colmap", views.ToString(CultureInfo.InvariantCulture)), Path3("images"), format);
        return SceneImporter.Write(cams, points, new SceneImportOptions(outDir, Path3("masks"), CropToSphere: crop, Size: size, Landmarks2D: Path3("landmarks2d.json")), "test");
    }

    public void Dispose() => Dir.Dispose();
}

[CollectionDefinition("Capture")]
public sealed class CaptureCollection : ICollectionFixture<CaptureFixture>;
