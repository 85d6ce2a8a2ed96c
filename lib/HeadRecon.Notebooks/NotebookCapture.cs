using System.Globalization;
using HeadRecon.Alignment;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Import;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Training;

namespace HeadRecon.Notebooks;

/// <summary>Sizes of the own-capture walk-through (notebook 08) per notebook profile: the networks are the shipped
/// template's, so only the capture's resolution, the iterations and the meshing change.</summary>
public sealed record CaptureProfile(int Resolution, int Views, IReadOnlyList<string> Stage1Overrides, IReadOnlyList<string> Stage2Overrides,
    IReadOnlyList<string> ScratchOverrides, int MeshResolution)
{
    static readonly string[] SmokeRuns = ["train.num_pixels=64", "train.log_freq=1", "train.checkpoint_iters=1000000"];

    public static CaptureProfile For(NotebookProfile p) => p.Name switch
    {
        "smoke" => new(64, 3, [.. SmokeRuns, "train.max_iterations=6"], [.. SmokeRuns, "train.max_iterations=4"], SmokeRuns, 48),
        // The confs' own lengths (confs/unseen_st1.conf, unseen_st2.conf: 300 + 300 iterations).
        "cpu" => new(512, 3, ["train.log_freq=10"], ["train.log_freq=10"], ["train.log_freq=10"], 160),
        _ => new(512, 3, [], [], [], 256),
    };
}

/// <summary>
/// A capture as notebook 08 reads it: a folder with <c>images/</c>, a COLMAP sparse model (<c>colmap/N/</c> for N views,
/// or <c>sparse/0/</c> or <c>sparse/</c>), and optionally <c>masks/</c>, <c>landmarks2d.json</c> (2D facial landmarks
/// per image, needed to align to the template) and, for scoring, <c>gt/mesh.ply</c> + <c>gt/landmarks.json</c> in the
/// capture's units (mm), and <c>gt/pose.json</c> (the true similarity, synthetic captures only). HEADNB_CAPTURE names
/// the folder; without it a synthetic capture of a held-out head (`headrecon synth --scene capture`) is made once in the
/// cache. Every step is the README's "Your own capture" command run in process.
/// </summary>
public sealed class NotebookCapture
{
    public string Root { get; }
    public string Name { get; }
    public bool IsSynthetic { get; }
    public CaptureProfile Sizes { get; }
    public PretrainedTemplate Template { get; }
    readonly NotebookWorkspace _ws;

    NotebookCapture(NotebookWorkspace ws, string root, bool synthetic, PretrainedTemplate template)
    {
        _ws = ws; Root = root; Name = Path.GetFileName(root.TrimEnd('/')); IsSynthetic = synthetic; Template = template;
        Sizes = CaptureProfile.For(ws.Profile);
    }

    /// <summary>HEADNB_CAPTURE (checked: one error naming what is missing) or the synthetic capture; HEADNB_TEMPLATE or the shipped template.</summary>
    public static NotebookCapture Open(NotebookWorkspace ws) =>
        Open(ws, Environment.GetEnvironmentVariable("HEADNB_CAPTURE") is { Length: > 0 } c ? c : null,
            Environment.GetEnvironmentVariable("HEADNB_TEMPLATE") is { Length: > 0 } t ? t : null);

    /// <summary>A capture folder (null: the synthetic one) and a template folder (null: the shipped one).</summary>
    public static NotebookCapture Open(NotebookWorkspace ws, string? captureDir, string? templateDir)
    {
        var template = PretrainedTemplate.Open(templateDir is null ? Path.Combine(ws.RepoRoot, PretrainedTemplate.DefaultPath) : Path.GetFullPath(templateDir));
        if (captureDir is { } c)
        {
            string root = Path.GetFullPath(c);
            var capture = new NotebookCapture(ws, root, synthetic: false, template);
            capture.Check();
            return capture;
        }
        var sizes = CaptureProfile.For(ws.Profile);
        string dir = Path.Combine(ws.CacheDir, "captures", sizes.Resolution.ToString(CultureInfo.InvariantCulture));
        string first = Path.Combine(dir, CaptureSceneWriter.IdentityName(0));
        if (!File.Exists(Path.Combine(first, "gt", "pose.json")))
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            CaptureSceneWriter.Write(new CaptureSceneOptions(dir, Identities: 1, Resolution: sizes.Resolution), _ => { });
        }
        return new NotebookCapture(ws, first, synthetic: true, template);
    }

    void Check()
    {
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"HEADNB_CAPTURE: {Root} does not exist");
        if (!Directory.Exists(ImagesDir)) throw new DirectoryNotFoundException($"HEADNB_CAPTURE: {ImagesDir} missing (the photos)");
        if (!File.Exists(Landmarks2DFile))
            throw new FileNotFoundException($"HEADNB_CAPTURE: {Landmarks2DFile} missing: the template is aligned from 2D facial landmarks " +
                $"({{\"views\": {{\"IMAGE\": {{\"nose_tip\": [u, v], …}}}}}}, names as in HeadLandmarks: {string.Join(", ", HeadLandmarks.H3dsOrder)})");
        _ = ColmapModel(Sizes.Views);
    }

    public string ImagesDir => Path.Combine(Root, "images");
    public string? MasksDir => Directory.Exists(Path.Combine(Root, "masks")) ? Path.Combine(Root, "masks") : null;
    public string Landmarks2DFile => Path.Combine(Root, "landmarks2d.json");
    public string GroundTruthFile => Path.Combine(Root, "gt", "mesh.ply");
    public bool HasGroundTruth => File.Exists(GroundTruthFile) && File.Exists(Path.Combine(Root, "gt", "landmarks.json"));
    public string PoseFile => Path.Combine(Root, "gt", "pose.json");

    /// <summary>The COLMAP model to import: colmap/N (a synthetic capture ships 3 and 5 views), else sparse/0, else sparse.</summary>
    public string ColmapModel(int views)
    {
        string[] candidates = [Path.Combine(Root, "colmap", views.ToString(CultureInfo.InvariantCulture)), Path.Combine(Root, "sparse", "0"), Path.Combine(Root, "sparse")];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "images.bin")) || File.Exists(Path.Combine(d, "images.txt")))
            ?? throw new DirectoryNotFoundException($"{Root}: no COLMAP model (images.bin or images.txt) in {string.Join(", ", candidates)}");
    }

    public override string ToString() => $"capture {Root}{(IsSynthetic ? " (synthetic: a held-out head of the family, mm world, arbitrary pose)" : "")}; " +
        $"template {Template.Root}; {Sizes.Views} views, mesh {Sizes.MeshResolution}³";

    /// <summary>Names this capture's scene and runs in the cache: the folder's name, a hash of its full path (two
    /// captures called capture_01 do not share a scene) and the view count.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"{Name}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Root)))[..8]}-{Sizes.Views}v");

    /// <summary>The workspace run name of one step on this capture (stage1, stage2, scratch).</summary>
    public string RunName(string step) => $"{Key}-{step}";

    /// <summary>Where this capture's imported scene goes (the workspace cache).</summary>
    public string WorkDir => Path.Combine(_ws.CacheDir, "own-capture", Key);
    public string SceneDir => Path.Combine(WorkDir, "scene");

    /// <summary>Step 1, `import colmap`: the COLMAP model → an IDR scene normalised to the template's radius (reused when done).</summary>
    public (HeadDataset Scene, string Summary) Import()
    {
        string summaryFile = Path.Combine(SceneDir, "import.txt");
        if (!File.Exists(summaryFile))
        {
            // A scene left half-written by an interrupted import (no summary yet) is made again.
            if (Directory.Exists(SceneDir)) Directory.Delete(SceneDir, recursive: true);
            var (cams, points) = ColmapImport.Load(ColmapModel(Sizes.Views), ImagesDir);
            var report = SceneImporter.Write(cams, points, new SceneImportOptions(SceneDir, MasksDir: MasksDir, Landmarks2D: Landmarks2DFile), $"colmap:{Name}/{Sizes.Views}");
            AtomicFile.WriteAllText(summaryFile, report.ToString());
        }
        return (LoadScene(), File.ReadAllText(summaryFile));
    }

    (int Height, int Width)? _imageSize;

    HeadDataset LoadScene()
    {
        var scene = SceneImporter.Load(SceneDir);
        _imageSize = (scene.Views[0].Height, scene.Views[0].Width);
        return scene;
    }

    /// <summary>Step 2, `align landmarks`: triangulate the 2D landmarks and fit the template's (writes scene/alignment.json).</summary>
    public LandmarkAlignmentResult Align(HeadDataset scene)
    {
        var target = TemplateLandmarks.ForRun(Template.Root)
            ?? throw new ArgumentException($"{Template.Root}: no {TemplateLandmarks.FileName}, so the capture cannot be aligned to it by landmarks");
        string lm = Path.Combine(SceneDir, "landmarks2d.json");
        var fit = LandmarkAlignment.Estimate(scene, LandmarkFiles.Read2D(lm), target, lm);
        AlignmentFile.Write(Path.Combine(SceneDir, AlignmentFile.FileName), fit.Transform, "landmarks");
        var toTemplate = WorldToTemplate(scene, fit.Transform);
        // For display only: the capture's world turned into the template's orientation (face towards +z, up +y) about
        // the head's centre, still in the capture's units, so every 3D panel looks at the face.
        var r = toTemplate.Rotation;
        var c = toTemplate.Inverse().Apply([0, 0, 0]);
        var rc = new Similarity(1, r, [0, 0, 0]).Apply(c);
        _upright = new Similarity(1, r, [-rc[0], -rc[1], -rc[2]]);
        return fit;
    }

    Similarity? _upright;

    /// <summary>A mesh of the capture's world turned face-on for display (rotation about the head's centre, units kept); after <see cref="Align"/>.</summary>
    public Mesh Upright(Mesh captureMesh) => (_upright ?? throw new InvalidOperationException("Align the capture first")).Apply(captureMesh);

    /// <summary>Points (x, y, z, …) of the capture's world turned face-on for display.</summary>
    public float[] Upright(float[] points)
    {
        var u = _upright ?? throw new InvalidOperationException("Align the capture first");
        var o = new float[points.Length];
        for (int i = 0; i + 2 < points.Length; i += 3)
        {
            var p = u.Apply([points[i], points[i + 1], points[i + 2]]);
            (o[i], o[i + 1], o[i + 2]) = ((float)p[0], (float)p[1], (float)p[2]);
        }
        return o;
    }

    /// <summary>The capture world (mm) → template frame map an alignment implies (through the scene's scale_mat).</summary>
    public static Similarity WorldToTemplate(HeadDataset scene, Similarity sceneToTemplate) =>
        (scene.ScaleMat is { } s ? Similarity.FromMatrix4(s).Inverse() : Similarity.Identity).Then(sceneToTemplate);

    /// <summary>The alignment's error against gt/pose.json (synthetic captures), or null without one.</summary>
    public AlignmentError? AlignmentErrorAgainstTruth(HeadDataset scene, Similarity sceneToTemplate) => File.Exists(PoseFile)
        ? AlignmentError.Between(WorldToTemplate(scene, sceneToTemplate), CaptureSceneWriter.ReadWorldToTemplate(PoseFile, Template.Conf.Dataset.CamScale))
        : null;

    /// <summary>The template's own surface (no identity deformation) moved into the capture's world by the alignment.</summary>
    public Mesh TemplateInCapture(HeadDataset scene, Similarity sceneToTemplate)
    {
        var (_, conf, model, _) = TrainedRun.LoadModel(Template.Root, _ws.Device);
        using (model)
        {
            var b = conf.Plot.GridBoundary;
            var mesh = ModelMesher.Extract(model, 0, b[0], b[1], Sizes.MeshResolution, MeshSource.Template);
            return WorldToTemplate(scene, sceneToTemplate).Inverse().Apply(mesh.FaceCount > 0 ? mesh.LargestComponent() : mesh);
        }
    }

    /// <summary>The triangulated landmarks and the template's, both in the capture's world: after a good alignment each pair nearly meets.</summary>
    public (float[] Triangulated, float[] Template) LandmarksInCapture(HeadDataset scene, LandmarkAlignmentResult fit)
    {
        var toWorld = scene.ScaleMat is { } s ? Similarity.FromMatrix4(s) : Similarity.Identity;
        var templateToWorld = WorldToTemplate(scene, fit.Transform).Inverse();
        var target = TemplateLandmarks.ForRun(Template.Root)!;
        var tri = fit.Points.Where(p => fit.Used.Contains(p.Name)).SelectMany(p => toWorld.Apply(p.Position)).Select(v => (float)v).ToArray();
        var tpl = fit.Used.SelectMany(n => templateToWorld.Apply([target[n].X, target[n].Y, target[n].Z])).Select(v => (float)v).ToArray();
        return (tri, tpl);
    }

    // The image size is read once (by Import, or here): building a conf need not load the photos again.
    string[] SceneKeys()
    {
        if (_imageSize is null) LoadScene();
        var (h, w) = _imageSize!.Value;
        return SceneImporter.TrainingKeys(SceneDir, h, w);
    }

    /// <summary>Step 3a: stage 1 fine-tunes the code and deformation from the template (confs/unseen_st1.conf).</summary>
    public HeadConf Stage1Conf(params string[] extra)
    {
        var c = ConfLoader.Load(ConfPaths.Find("unseen_st1.conf"), [.. SceneKeys(), $"train.init_checkpoint=\"{Template.Root}\"", .. Sizes.Stage1Overrides, .. extra]);
        Template.RequireCompatible(c, "unseen_st1.conf");
        return c;
    }

    /// <summary>Step 3b: stage 2 adds the displacement on top of stage 1 (confs/unseen_st2.conf).</summary>
    public HeadConf Stage2Conf(string stage1Run, params string[] extra) =>
        ConfLoader.Load(ConfPaths.Find("unseen_st2.conf"), [.. SceneKeys(), $"train.init_checkpoint=\"{stage1Run}\"", .. Sizes.Stage2Overrides, .. extra]);

    /// <summary>The check that the template helps: single-stage VolSDF from scratch on the same views for <paramref name="seconds"/> (confs/unseen_scratch.conf).</summary>
    public HeadConf ScratchConf(double seconds, params string[] extra)
    {
        var c = ConfLoader.Load(ConfPaths.Find("unseen_scratch.conf"), [.. SceneKeys(), .. Sizes.ScratchOverrides, .. extra]);
        return c with { Train = c.Train with { MaxSeconds = seconds } };
    }

    /// <summary>Step 4, `mesh --largest-component`: the run's surface back in the capture's world and units.</summary>
    public Mesh MeshInCapture(string runDir)
    {
        using var run = _ws.LoadRun(runDir);
        return run.ExtractMesh(run.DefaultIdentity, Sizes.MeshResolution, largestComponent: true);
    }

    /// <summary>Step 5, `eval --protocol h3ds`: GT → prediction in mm (face_sphere, full_head), or null without a GT.</summary>
    public H3dsResult? Evaluate(Mesh captureMesh)
    {
        if (!HasGroundTruth || captureMesh.FaceCount == 0) return null;
        var gt = Ply.Read(GroundTruthFile);
        return H3dsProtocol.Evaluate(captureMesh, gt, LandmarkFiles.Read3D(Path.Combine(Root, "gt", "landmarks.json"), gt), null, new H3dsOptions(MillimetresPerUnit: 1.0));
    }

    public Mesh? GroundTruth() => File.Exists(GroundTruthFile) ? Ply.Read(GroundTruthFile) : null;
}

/// <summary>One method's H3DS scores on the capture (notebook 08's table).</summary>
public sealed record CaptureScore(string Method, int Iterations, double TrainSeconds, double? FaceSphereMm, double? FaceSphereMedianMm, double? FullHeadMm, int Vertices)
{
    /// <summary>A run's score; iterations and seconds count the stages before it (<paramref name="after"/>) too, so a
    /// two-stage path's row is what the whole path cost.</summary>
    public static CaptureScore From(string method, string runDir, Mesh mesh, H3dsResult? h3ds, CaptureScore? after = null)
    {
        var meta = Checkpoint.ReadMeta(RunFolder.Open(runDir).LatestCheckpoint);
        return new(method, meta.Iteration + (after?.Iterations ?? 0), Math.Round(meta.TrainSeconds + (after?.TrainSeconds ?? 0), 1),
            h3ds?[H3dsProtocol.FaceSphere]?.MeanMm, h3ds?[H3dsProtocol.FaceSphere]?.MedianMm, h3ds?[H3dsProtocol.FullHead]?.MeanMm, mesh.VertexCount);
    }
}
