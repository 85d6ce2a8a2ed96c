#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 08-your-own-data: the source of notebooks/08-your-own-data.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 08-your-own-data` writes notebooks/pages/08-your-own-data.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 08 · Your own data
// A head you captured yourself, from photos to a scored mesh, one step per cell: import the COLMAP cameras, align the
// scene to the pre-trained template from a few facial landmarks, fine-tune from the template (stage 1, then stage 2),
// mesh back in your capture's units and score it with the H3DS protocol. Each step is one of the README's *Your own
// capture* commands run in process, so what works here works on the command line.
//
// **What to bring** (`HEADNB_CAPTURE=/path/to/capture`): a folder with
//
// | path | what | needed |
// |---|---|---|
// | `images/` | the photos (3 to 5 views around the face work; more is fine) | yes |
// | `colmap/3/`, `sparse/0/` or `sparse/` | COLMAP's sparse model, text or binary (`cameras`, `images`, `points3D`) | yes |
// | `landmarks2d.json` | 2D facial landmarks per photo: `{"views": {"000.png": {"nose_tip": [u, v], …}}}` (eye centres, nose tip and base, mouth corners) | yes, for the alignment |
// | `masks/` | foreground masks (the images are composited onto white) | no |
// | `gt/mesh.ply`, `gt/landmarks.json` | a scan and its 3D landmarks, same units as the cameras (mm), to score the result | no |
//
// Without `HEADNB_CAPTURE` the notebook makes a synthetic capture of a head the template never saw, in the same
// layout: millimetres, an arbitrary pose and offset, cameras at 400–700 mm, with its scan and the true pose (so the
// alignment can be checked too). `HEADNB_TEMPLATE` picks another template than the shipped `data/pretrained/template`.

// %% [markdown]
// ## In the paper
// The pre-trained template initialises an unseen person: its identity code starts near zero, the deformation and
// template come from stage 1, and only a few views of the new person are fitted (method spec §1.11). That only works
// when the new person's cameras live in the template's frame, which your COLMAP model does not: its scale, origin and
// orientation are arbitrary. The import maps the head's bounding sphere to the radius the networks expect, and a
// similarity $x_\text{template} = s\,R\,x + t$, fitted from triangulated landmarks to the template's (Umeyama), moves
// the cameras into the template's frame; meshes are mapped back through its inverse. The H3DS protocol (landmark
// Procrustes, ICP, nearest-vertex distances from the scan to the prediction, in mm, within 95 mm of the nose tip) is
// the published few-view head benchmark's (IDR 2.79 mm, H3D-Net 1.33 mm from 3 views).

// %%
using HeadRecon.Notebooks;
using HeadRecon.Training;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_CAPTURE = your capture folder (default: a synthetic
// one), HEADNB_TEMPLATE = the template (default data/pretrained/template), HEADNB_CACHE, HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Plots.MaxDisplayVertices = 3_000;   // eight 3D meshes on this page: drawn simplified, the saved notebook stays small
var capture = NotebookCapture.Open(ws);
Show(capture.ToString());

// %% [markdown]
// ## 1 · Import the cameras
// `headrecon import colmap`: COLMAP's world→camera poses become camera→world matrices (OpenCV axes), the head's
// sphere is estimated from the cameras' optical axes and the sparse points, and `scale_mat` maps it to radius 0.3.
// Check the summary: the cameras should all look at the head, at similar distances.

// %%
var (scene, importSummary) = capture.Import();
Show(importSummary);
ShowHtml(NotebookHtml.ImageRow(NotebookTools.ViewImages(scene), 160));
var gtWorld = capture.GroundTruth();
var gtScene = gtWorld is null || scene.ScaleMat is null ? null : HeadRecon.Data.Similarity.FromMatrix4(scene.ScaleMat).Inverse().Apply(gtWorld);
Show(NotebookTools.CameraPlot(scene.Views, 1.0, gtScene, "cameras and the scan in the normalised scene (unit sphere)"));

// %% [markdown]
// ## 2 · Align to the template
// `headrecon align landmarks`: each landmark seen in two or more photos is triangulated, then the template's landmarks
// are fitted by a similarity. Below, the template's own surface moved into your capture by that similarity: it should
// sit on your head (the scan, when there is one), nose on nose. Orange: your triangulated landmarks; blue: the
// template's, after the fit.

// %%
var fit = capture.Align(scene);
Show(fit.ToString());
if (capture.AlignmentErrorAgainstTruth(scene, fit.Transform) is { } alignmentError)
    Show($"against the synthetic capture's true pose (world units: mm): {alignmentError}");
var templateWorld = capture.TemplateInCapture(scene, fit.Transform);
var (triangulated, templateLandmarks) = capture.LandmarksInCapture(scene, fit);
// Shown face-on: the capture's world turned into the template's orientation about the head's centre (still mm).
var overlay = new List<Plotly.NET.Trace> { Plots.MeshTrace(capture.Upright(templateWorld), "template (aligned)", opacity: gtWorld is null ? 1.0 : 0.6),
    Plots.PointsTrace(capture.Upright(triangulated), "triangulated landmarks", "orange", 5), Plots.PointsTrace(capture.Upright(templateLandmarks), "template landmarks", "royalblue", 5) };
if (gtWorld is not null)
    overlay.Insert(0, Plots.MeshTrace(capture.Upright(gtWorld), "scan (ground truth)", vertexColors: [.. Enumerable.Range(0, 3 * gtWorld.VertexCount).Select(i => (byte)(i % 3 == 0 ? 235 : i % 3 == 1 ? 160 : 120))], opacity: 0.6));
Show(Plots.Scene("the template in your capture's frame (mm, turned face-on)", overlay, faceOn: true));

// %% [markdown]
// ## 3 · Fine-tune from the template
// Stage 1 (`confs/unseen_st1.conf`) fits this person's identity code and deformation with the template frozen; stage 2
// (`confs/unseen_st2.conf`) adds the displacement field for detail. Then, as a check that the template earns its
// keep on your data, single-stage VolSDF from scratch (`confs/unseen_scratch.conf`) trains on the same photos for the
// same wall time. Runs are cached: rerunning the notebook does not retrain.

// %%
var live1 = new TrainingCurves("stage 1", ws.Profile.CurveUpdateEvery);
var live2 = new TrainingCurves("stage 2", ws.Profile.CurveUpdateEvery);
var liveS = new TrainingCurves("from scratch", ws.Profile.CurveUpdateEvery);
var live = Show(TrainingCurves.Waiting(cached: false));
live1.OnUpdate = _ => live.Update(TrainingCurves.LiveCompare(capture.Name, [("stage 1", live1), ("stage 2", live2), ("from scratch", liveS)]));
live2.OnUpdate = liveS.OnUpdate = live1.OnUpdate;
var st1 = ws.EnsureRun(capture.RunName("stage1"), capture.Stage1Conf(), live1);
var st2 = ws.EnsureRun(capture.RunName("stage2"), capture.Stage2Conf(st1), live2);
double seconds = Checkpoint.ReadMeta(RunFolder.Open(st1).LatestCheckpoint).TrainSeconds + Checkpoint.ReadMeta(RunFolder.Open(st2).LatestCheckpoint).TrainSeconds;
string scratch = ws.RunDir(capture.RunName("scratch"));
StageRun.ForBudget(capture.ScratchConf(seconds), scratch, ws.Device, liveS);
live.Update(TrainingCurves.Compare(System.FormattableString.Invariant($"{capture.Name}: the template path trained {seconds:F0} s, from scratch the same"),
    [("stage 1", TrainingCurves.FromRun(st1, "")), ("stage 2", TrainingCurves.FromRun(st2, "")), ("from scratch", TrainingCurves.FromRun(scratch, ""))]));

// %% [markdown]
// ## 4 · Meshes, back in your units
// `headrecon mesh --largest-component`: marching cubes in the template's frame, then back through the alignment and
// `scale_mat`, so the meshes lie where your scan lies.

// %%
var mesh1 = capture.MeshInCapture(st1);
var mesh2 = capture.MeshInCapture(st2);
var meshS = capture.MeshInCapture(scratch);
Show(NotebookTools.MeshPanels($"{capture.Name} from {capture.Sizes.Views} views (mm, turned face-on)",
    [("stage 1", capture.Upright(mesh1)), ("stage 2", capture.Upright(mesh2)), ("from scratch, same time", capture.Upright(meshS)),
     .. gtWorld is null ? [] : new[] { ("scan (ground truth)", capture.Upright(gtWorld)) }]));

// %% [markdown]
// ## 5 · Score with the H3DS protocol
// `headrecon eval MESH --gt gt/mesh.ply --landmarks-gt gt/landmarks.json --protocol h3ds`: ICP aligns each region of
// the scan to the prediction, then the mean distance from every scan vertex to the nearest predicted vertex, in mm.
// Skipped without a scan.

// %%
var h1 = capture.Evaluate(mesh1);
var h2 = capture.Evaluate(mesh2);
var hS = capture.Evaluate(meshS);
var s1 = CaptureScore.From("template → stage 1", st1, mesh1, h1);
var scores = new[] { s1, CaptureScore.From("template → stage 1 → stage 2", st2, mesh2, h2, after: s1), CaptureScore.From("from scratch, same time", scratch, meshS, hS) };
Show(NotebookHtml.Table(scores));
if (h2 is not null && hS is not null && gtWorld is not null)
    Show(Plots.ErrorMeshes("scan vertices coloured by their distance to the reconstruction (face_sphere, after ICP)",
        [("stage 2", capture.Upright(h2[HeadRecon.Evaluation.H3dsProtocol.FaceSphere]!.GroundTruthHeatMap), h2[HeadRecon.Evaluation.H3dsProtocol.FaceSphere]!.GroundTruthToPredictionMm),
         ("from scratch", capture.Upright(hS[HeadRecon.Evaluation.H3dsProtocol.FaceSphere]!.GroundTruthHeatMap), hS[HeadRecon.Evaluation.H3dsProtocol.FaceSphere]!.GroundTruthToPredictionMm)], null, "mm"));

// %% [markdown]
// ## What these outputs show

// %%
Show(scores[1].FaceSphereMm is double f2 && scores[2].FaceSphereMm is double fS && scores[0].FaceSphereMm is double f1
    ? System.FormattableString.Invariant($"On {capture.Name} from {capture.Sizes.Views} views, face_sphere GT→prediction: template → stage 1 {f1:F2} mm, → stage 2 {f2:F2} mm; from scratch for the same {seconds:F0} s {fS:F2} mm. The template path is {(f2 < fS ? "ahead" : "not ahead")} on this capture; stage 2 {(f2 < f1 ? "improves on" : "does not improve on")} stage 1. docs/comparisons.md has the same comparison over three captures and two view counts (`headrecon compare --capture`).")
    : "No scan to score against: judge the meshes above, and the renders of the run folders' snapshots.");
