"""Cells of every notebook: ("md", text) or ("code", text); ("code", "PROFILE") is the shared profile cell."""

NB01 = [
("md", """
# 01 · Data and cameras
Loads the heads the profile uses (synthetic heads generated on first use, or a PR-layout folder given by `HEADNB_DATA`),
shows the images, the camera frusta with the bounding sphere and the ground-truth mesh, and checks that every camera's
rays meet the bounding sphere the renderer samples in.
"""),
("code", "PROFILE"),
("md", "## The dataset\nStage 1's view split (`dataset.init_view_path`) of every training identity, in the model frame (XML units × `cam_scale`)."),
("code", """
var conf = ws.Stage1Conf();
var data = DatasetLoader.Load(conf.Dataset, conf.Train.Seed);
data.Summarize(conf.Model.SceneBoundingSphere).ToString()
"""),
("code", """
// One row of thumbnails per identity.
foreach (var id in data.IdentityNames)
    ShowHtml($"<b>{id}</b>" + NotebookHtml.ImageRow(NotebookTools.ViewImages(new HeadDataset(data.Views.Where(v => v.IdentityName == id).ToList(), data.IdentityNames, data.WorldToDatasetScale, null, null, id)), 96));
"""),
("md", "## Cameras, bounding sphere and ground truth\nThe ground-truth mesh is stored in dataset units; dividing by `WorldToDatasetScale` (= 1/cam_scale) brings it into the model frame the cameras live in."),
("code", """
var firstId = data.IdentityNames[0];
var gt = ws.GroundTruth(firstId);
var gtModelFrame = gt?.Transformed(1.0 / data.WorldToDatasetScale, (0, 0, 0));
NotebookTools.CameraPlot(data.Views.Where(v => v.IdentityName == firstId).ToList(), conf.Model.SceneBoundingSphere, gtModelFrame,
    $"identity {firstId}: cameras, bounding sphere (r = {conf.Model.SceneBoundingSphere}) and ground truth")
"""),
("md", "## Ray / sphere sanity checks\nEvery central ray must cross the bounding sphere, the optical axes should pass close to the origin, and the whole head must lie inside the sphere."),
("code", """
var checks = NotebookTools.RaySphereChecks(data, conf.Model.SceneBoundingSphere);
if (!checks.All(c => c.CentralRayHitsSphere)) throw new Exception("a camera's central ray misses the bounding sphere");
NotebookHtml.Table(checks.Take(8))
"""),
("code", """
// The origin projects near the image centre, and the ground truth lies well inside the sphere.
var v0 = data.Views[0];
var (u, vv, depth) = PinholeCamera.Project(v0, 0, 0, 0);
double maxRadius = gtModelFrame is null ? 0 : Enumerable.Range(0, gtModelFrame.VertexCount)
    .Max(i => Math.Sqrt(Math.Pow(gtModelFrame.Vertices[3 * i], 2) + Math.Pow(gtModelFrame.Vertices[3 * i + 1], 2) + Math.Pow(gtModelFrame.Vertices[3 * i + 2], 2)));
if (maxRadius >= conf.Model.SceneBoundingSphere) throw new Exception("the head does not fit in the bounding sphere");
$"origin → pixel ({u:F1}, {vv:F1}) at depth {depth:F3} in a {v0.Width}×{v0.Height} image; ground truth radius {maxRadius:F3} < sphere {conf.Model.SceneBoundingSphere}"
"""),
]

NB02 = [
("md", """
# 02 · Template co-training (stage 1)
Trains the template SDF, the identity-conditioned deformation and the colour network on every training identity at once,
with the loss, PSNR and β curves updating in place. Then looks inside: SDF slices of the template and of each identity's
deformed SDF, and one ray through the error-bounded sampler. The run is cached (`HEADNB_CACHE`): notebooks 03–07 reuse it.
"""),
("code", "PROFILE"),
("code", """
var conf = ws.Stage1Conf();
var data = DatasetTrainingData.Open(conf);
$"{data.ViewCount} images of {data.NumIdentities} identities; {conf.Train.MaxIterations} iterations of {conf.Train.NumPixels} rays"
"""),
("md", "## Training (live curves)"),
("code", """
var curves = new TrainingCurves("stage 1: loss, PSNR and β", ws.Profile.CurveUpdateEvery);
bool cached = ws.IsCached("stage1", conf);
// A live display: each update redraws the curves in place (Jupyter, VS Code); the next cell redraws them from the log.
var live = display(TrainingCurves.Waiting(cached));
curves.OnUpdate = chart => live.Update(chart);
var run = ws.EnsureRun("stage1", conf, curves);
// The final progress (a saved notebook keeps only the live display's first state).
cached ? new HtmlFragment($"reused the cached run {run}") : new HtmlFragment(curves.ProgressBar())
"""),
("code", """
// The whole run from its metrics.jsonl (also what a cached run shows).
TrainingCurves.FromRun(run, "stage 1: loss, PSNR and β per iteration").Chart()
"""),
("code", """
var model = ws.LoadModel(run);
var ids = data.Dataset.IdentityNames.ToList();
double extent = conf.Plot.GridBoundary[1];
$"{model.GetType().Name}, β = {model.density.GetBeta().item<float>():G4}"
"""),
("md", "## SDF slices\nXY, XZ and YZ planes through the origin; black = the zero level set (the surface). First row: the template alone, then each identity's deformed SDF."),
("code", """
Plots.SdfSlices("SDF slices (template, then each identity)", NotebookTools.SdfSlices(model, ids, ws.Profile.SliceResolution, extent))
"""),
("md", "## One ray through the error-bounded sampler\nThe central pixel of the first view: final sample depths (ticks), SDF, Laplace density and volume-rendering weights. Samples concentrate where the SDF crosses zero."),
("code", """
var ray = NotebookTools.RayProfile(model, data, 0, data.Width(0) / 2, data.Height(0) / 2);
ray.Chart($"view {data.ViewLabel(0)}, central pixel")
"""),
("md", "## A training view, rendered"),
("code", """
var ev = NotebookTools.EvaluateView(model, data, 0, ws.Profile.RenderMaxSide);
ShowHtml(NotebookHtml.ImageRow([("ground truth", ev.GroundTruthImage), ("rendered", ev.RenderedImage), ("normals", ev.NormalImage)]));
$"{ev.View}: PSNR {ev.Psnr:F2} dB, SSIM {ev.Ssim:F3}"
"""),
]

NB03 = [
("md", """
# 03 · Deformation inspection
What the identity-conditioned deformation field learned: Δx as cones, its magnitude on slices, the template's mesh
against each identity's mesh, correspondence colours (each vertex coloured by where it lands in the template,
x + Δx), and meshes of interpolated identity codes.
"""),
("code", "PROFILE"),
("code", """var conf = ws.Stage1Conf();
var run = ws.EnsureRun("stage1", conf);   // notebook 02's run (trained here if missing)
var model = ws.LoadModel(run);
var ids = ws.TrainIdentities;
double extent = conf.Plot.GridBoundary[1];
int res = ws.Profile.MeshResolution;
$"{run}: {ids.Count} identities, meshes at {res}³ over ±{extent}"
"""),
("md", "## Δx as cones\nCones start at grid points inside the box and point along Δx (absolute size: lengths compare); the template surface is drawn translucent."),
("code", """
var template = ModelMesher.Extract(model, 0, -extent, extent, res, MeshSource.Template);
var (points, offsets) = NotebookTools.DeformationGrid(model, 0, 7, extent);
Plots.Scene($"Δx of identity {ids[0]} over the template", [Plots.ConeTrace(points, offsets, "Δx"), Plots.MeshTrace(template, "template", opacity: 0.3)])
"""),
("code", """
NotebookTools.DeformationSlicesChart(model, ids, ws.Profile.SliceResolution, extent)
"""),
("md", "## Template vs identities"),
("code", """
var meshes = ids.Select((id, i) => ModelMesher.Extract(model, i, -extent, extent, res)).ToList();
NotebookTools.MeshPanels("template and each identity's deformed template", [("template", template), .. ids.Select((id, i) => (id, meshes[i]))])
"""),
("md", "## Correspondence colours\nColour = the template coordinate x + Δx of each vertex: the same colour on two identities marks corresponding points."),
("code", """
Plots.MeshGrid("correspondence (RGB = template coordinate)", ids.Select((id, i) => (id, meshes[i], NotebookTools.CorrespondenceColors(model, i, meshes[i], extent), default(float[]))).ToList())
"""),
("md", "## Interpolating identity codes\nMeshes of (1 − t)·code(a) + t·code(b): the shape space between two people."),
("code", """
var steps = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 };
NotebookTools.MeshPanels($"{ids[0]} → {ids[1]}", steps.Select(t => ($"t = {t}", NotebookTools.InterpolatedMesh(model, 0, 1, t, extent, res))))
"""),
]

NB04 = [
("md", """
# 04 · Displacement training (stage 2)
Fits one person starting from the stage-1 checkpoint (`train.init_checkpoint`): the coarse geometry is loaded by name,
a displacement field δ and a new colour network are added. Shows the curves, δ on the mesh as a heat map, the
stage-1 and stage-2 meshes side by side and the normal maps.
"""),
("code", "PROFILE"),
("code", """
var st1 = ws.EnsureRun("stage1", ws.Stage1Conf());
var id = ws.TrainIdentities[0];
var conf = ws.Stage2Conf(id, st1);
var data = DatasetTrainingData.Open(conf);
int index = NotebookTools.IdentityIndex(conf, id);
double extent = conf.Plot.GridBoundary[1];
int res = ws.Profile.MeshResolution;
$"stage 2 for {id} (embedding row {index}) from {st1}: {data.ViewCount} views, {conf.Train.MaxIterations} iterations"
"""),
("code", """
var curves = new TrainingCurves($"stage 2 ({id}): loss, PSNR and β", ws.Profile.CurveUpdateEvery);
string name = $"stage2-{id}";
bool cached = ws.IsCached(name, conf);
var live = display(TrainingCurves.Waiting(cached));
curves.OnUpdate = chart => live.Update(chart);
var run = ws.EnsureRun(name, conf, curves);
// The final progress (a saved notebook keeps only the live display's first state).
cached ? new HtmlFragment($"reused the cached run {run}") : new HtmlFragment(curves.ProgressBar())
"""),
("code", """
TrainingCurves.FromRun(run, $"stage 2 ({id}) per iteration").Chart()
"""),
("code", """
var m1 = ws.LoadModel(st1);
var m2 = ws.LoadModel(run);
var mesh1 = ModelMesher.Extract(m1, index, -extent, extent, res);
var mesh2 = ModelMesher.Extract(m2, index, -extent, extent, res);
var delta = NotebookTools.Displacement(m2, index, mesh2);
$"δ on the stage-2 surface: min {(delta.Length > 0 ? delta.Min() : 0):G3}, max {(delta.Length > 0 ? delta.Max() : 0):G3}"
"""),
("md", "## Stage 1 vs stage 2, and the displacement δ on the surface"),
("code", """
Plots.MeshGrid($"{id}: stage 1, stage 2 and δ (signed, model units)", [("stage 1", mesh1, null, null), ("stage 2", mesh2, null, null), ("δ on stage 2", mesh2, null, delta)], colorscale: "RdBu")
"""),
("md", "## Normal maps and renderings"),
("code", """
var e1 = NotebookTools.EvaluateView(m1, data, 0, ws.Profile.RenderMaxSide);
var e2 = NotebookTools.EvaluateView(m2, data, 0, ws.Profile.RenderMaxSide);
ShowHtml(NotebookHtml.ImageRow([("image", e1.GroundTruthImage), ("stage 1", e1.RenderedImage), ("stage 1 normals", e1.NormalImage), ("stage 2", e2.RenderedImage), ("stage 2 normals", e2.NormalImage)]));
$"{e1.View}: PSNR stage 1 {e1.Psnr:F2} dB → stage 2 {e2.Psnr:F2} dB"
"""),
]

NB05 = [
("md", """
# 05 · Evaluation
The stage-2 reconstruction of one person against its ground truth: per-vertex Chamfer error as a heat map, the
metrics table (Chamfer, F-score, normal consistency, in dataset units), PSNR/SSIM on held-out views, and a turntable.
"""),
("code", "PROFILE"),
("code", """
var st1 = ws.EnsureRun("stage1", ws.Stage1Conf());
var id = ws.TrainIdentities[0];
var conf = ws.Stage2Conf(id, st1);
var run = ws.EnsureRun($"stage2-{id}", conf);   // notebook 04's run
var model = ws.LoadModel(run);
int index = NotebookTools.IdentityIndex(conf, id);
double extent = conf.Plot.GridBoundary[1];
var data = DatasetTrainingData.Open(conf);
double scale = data.Dataset.WorldToDatasetScale;
var mesh = ModelMesher.Extract(model, index, -extent, extent, ws.Profile.MeshResolution);
var gt = ws.GroundTruth(id);
mesh
"""),
("md", "## Chamfer error on the reconstruction\nEach vertex coloured by its distance to the ground truth (dataset units; blue = close, red = far). The colour scale is clipped at the 95th percentile, so the bulk of the surface is not one colour because of a few far vertices."),
("code", """
if (mesh.VertexCount == 0 || gt is null) ShowHtml("<b>no surface (or no ground truth) to evaluate yet: train longer (HEADNB_PROFILE=cpu)</b>");
else
{
    var dist = ErrorColoring.VertexDistances(mesh.Transformed(scale, (0, 0, 0)), gt, ws.Profile.EvalSamples);
    display(Plots.ErrorMeshes($"{id}: distance to ground truth", [("reconstruction", mesh.Transformed(scale, (0, 0, 0)), dist)], gt, "dataset units"));
}
"""),
("code", """
var cmp = NotebookTools.TryCompare(mesh, gt, scale, ws.Profile.EvalSamples, [0.05, 0.1, 0.2]);
cmp is null ? (object)"no mesh to compare" : NotebookHtml.Table(cmp.ToDictionary().Select(kv => new { metric = kv.Key, value = kv.Value }))
"""),
("md", "## Held-out views\nViews of this person that training never saw (outside the view split)."),
("code", """
var held = NotebookTools.HeldOutViews(conf);
var evals = Enumerable.Range(0, Math.Min(4, held.ViewCount)).Select(v => NotebookTools.EvaluateView(model, held, v, ws.Profile.RenderMaxSide)).ToList();
ShowHtml(NotebookHtml.ImageRow(evals.SelectMany(e => new[] { ($"{e.View} image", e.GroundTruthImage), ($"rendered, {e.Psnr:F1} dB", e.RenderedImage) })));
NotebookHtml.Table(evals.Select(e => new { view = e.View, psnr_dB = e.Psnr, ssim = e.Ssim }), "F3")
"""),
("md", "## Turntable\nThe mesh with the colour network's vertex colours, orbiting (a small CPU rasteriser, `NotebookTurntable`)."),
("code", """
var coloured = mesh.VertexCount == 0 ? mesh : ModelMesher.WithColors(mesh, model, index);
ShowHtml(NotebookHtml.Gif(NotebookTurntable.Gif(coloured, frames: 24, size: 160), 240));
"""),
]

NB06 = [
("md", """
# 06 · Ablations
The paper's ablations, measured here: every row is a run of this profile (cached in `HEADNB_CACHE` and reused),
evaluated on the same identity with the same code: Chamfer to ground truth (dataset units), F-score, PSNR/SSIM on
held-out views. With the `smoke` profile the runs are tiny, so the numbers only show that the pipeline works;
use `cpu` or `paper` for meaningful comparisons.
"""),
("code", "PROFILE"),
("code", """
var id = ws.TrainIdentities[0];
var baseConf = ws.Stage1Conf();
var st1 = ws.EnsureRun("stage1", baseConf);
int iters = baseConf.Train.MaxIterations;
// (experiment, settings shown in the table, run name, configuration)
var runs = new List<(string Experiment, string Settings, string Name, HeadConf Conf)>
{
    ("views: 3", "stage 1, 3_view.json", "stage1-views3", ws.Stage1Conf(NotebookWorkspace.Views(3))),
    ("views: 5", "stage 1, 5_view.json", "stage1-views5", ws.Stage1Conf(NotebookWorkspace.Views(5))),
    ("views: 15", "stage 1, 15_view.json", "stage1", baseConf),
    ("stage 1 only", "template co-training, 15 views", "stage1", baseConf),
    ("two stages", "stage 2 from stage 1 (displacement on)", $"stage2-{id}", ws.Stage2Conf(id, st1)),
    ("without displacement", "stage 2 from stage 1, train.freeze=[displacement]", $"stage2-{id}-nodisp", ws.Stage2Conf(id, st1, "train.freeze=[displacement]")),
    ("single-person VolSDF", $"stage 1 on {id} alone (no co-training)", $"single-{id}", ws.Stage1Conf($"dataset.id_list=\\"{ws.SingleIdentityList(id)}\\"")),
    ("PE window off", "train.pe_alpha_iters = 0", "stage1", baseConf),
    ("PE window on", $"train.pe_alpha_iters = {iters / 2}, pe_alpha_start = 0", "stage1-pe", ws.Stage1Conf($"train.pe_alpha_iters={iters / 2}", "train.pe_alpha_start=0.0")),
};
foreach (var r in runs.DistinctBy(r => r.Name)) ws.EnsureRun(r.Name, r.Conf);
$"{runs.DistinctBy(r => r.Name).Count()} runs ready"
"""),
("md", "## Measured results"),
("code", """
var results = runs.Select(r => RunEvaluation.Evaluate(ws, r.Experiment, r.Settings, ws.RunDir(r.Name), id)).ToList();
results
"""),
("code", """
var labels = results.Select(r => r.Experiment).ToList();
display(Plots.Bars($"Chamfer to ground truth ({id}, dataset units, lower is better)", "Chamfer", labels, [("Chamfer", results.Select(r => r.ChamferDataset ?? double.NaN).ToList())]));
Plots.Bars($"held-out PSNR ({id}, higher is better)", "PSNR (dB)", labels, [("held-out PSNR", results.Select(r => r.HeldOutPsnr).ToList()), ("training PSNR", results.Select(r => r.TrainPsnr).ToList())])
"""),
]

NB07 = [
("md", """
# 07 · Unseen identity
Fits a person that stage 1 never saw from 3 views: starting from the pre-trained template (`dataset.fine_tune_flag`,
`train.init_checkpoint`: the new person gets a fresh embedding row, everything else starts from stage 1) versus
the same run from scratch. Curves, meshes and the measured difference.
"""),
("code", "PROFILE"),
("code", """
var st1 = ws.EnsureRun("stage1", ws.Stage1Conf());
var unseen = ws.UnseenIdentity;
string[] fineTune = ["dataset.fine_tune_flag=true", $"dataset.scan_id=\\"{unseen}\\"", "dataset.fine_tune_view=3", "dataset.init_view_path=\\"3_view.json\\""];
var fromTemplate = ws.Stage1Conf([.. fineTune, $"train.init_checkpoint=\\"{st1}\\""]);
var fromScratch = ws.Stage1Conf(fineTune);
$"unseen identity {unseen}: {DatasetTrainingData.Open(fromTemplate).ViewCount} training views"
"""),
("code", """
var liveT = new TrainingCurves("from the template", ws.Profile.CurveUpdateEvery);
var liveS = new TrainingCurves("from scratch", ws.Profile.CurveUpdateEvery);
var live = display(TrainingCurves.Waiting(cached: false));
liveT.OnUpdate = _ => live.Update(TrainingCurves.LiveCompare("unseen identity", [("template", liveT), ("scratch", liveS)]));
liveS.OnUpdate = liveT.OnUpdate;
var runT = ws.EnsureRun($"unseen-{unseen}-template", fromTemplate, liveT);
var runS = ws.EnsureRun($"unseen-{unseen}-scratch", fromScratch, liveS);
TrainingCurves.Compare($"unseen identity {unseen}: from the template vs from scratch",
    [("from template", TrainingCurves.FromRun(runT, "")), ("from scratch", TrainingCurves.FromRun(runS, ""))])
"""),
("code", """
double extent = fromTemplate.Plot.GridBoundary[1];
int index = NotebookTools.IdentityIndex(fromTemplate, unseen);
var mT = ws.LoadModel(runT);
var mS = ws.LoadModel(runS);
var meshT = ModelMesher.Extract(mT, index, -extent, extent, ws.Profile.MeshResolution);
var meshS = ModelMesher.Extract(mS, index, -extent, extent, ws.Profile.MeshResolution);
var gt = ws.GroundTruth(unseen);
var scale = DatasetLoader.Load(fromTemplate.Dataset).WorldToDatasetScale;
NotebookTools.MeshPanels($"{unseen} from 3 views", [("from the template", meshT), ("from scratch", meshS), .. gt is null ? [] : new[] { ("ground truth (model frame)", gt.Transformed(1.0 / scale, (0, 0, 0))) }])
"""),
("code", """
new[]
{
    RunEvaluation.Evaluate(ws, "from the template", "fine_tune_flag, init_checkpoint = stage 1, 3 views", runT, unseen),
    RunEvaluation.Evaluate(ws, "from scratch", "fine_tune_flag, fresh initialisation, 3 views", runS, unseen),
}
"""),
]

NOTEBOOKS = {
    "01-data-and-cameras": NB01,
    "02-template-cotraining": NB02,
    "03-deformation-inspection": NB03,
    "04-displacement-training": NB04,
    "05-evaluation": NB05,
    "06-ablations": NB06,
    "07-unseen-identity": NB07,
}
