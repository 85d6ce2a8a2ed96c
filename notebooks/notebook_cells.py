"""Cells of every notebook: ("md", text) or ("code", text); ("code", "PROFILE") is the shared profile cell."""

NB01 = [
("md", """
# 01 · Data and cameras
Loads the heads the profile uses (synthetic heads generated on first use, or a PR-layout folder given by `HEADNB_DATA`),
shows the images, the camera frusta with the bounding sphere and the ground-truth mesh, and checks that every camera's
rays meet the bounding sphere the renderer samples in.
"""),
("md", r"""
## In the paper
The method reconstructs a head from a few calibrated photographs, with no masks and no 3D supervision: every pixel
$p$ of view $k$ defines a ray $\mathbf{r}(t) = \mathbf{o}_k + t\,\mathbf{d}_p$, $t \in [0, 2R]$, through the pinhole
camera $K_k [R_k \mid t_k]$, and all geometry lives inside the bounding sphere $\lVert\mathbf{x}\rVert < R$
(`model.scene_bounding_sphere`, $R = 3$ for the PR data) that the sampler searches. Stage 1 trains on a sparse,
randomly selected subset of each person's views (the view split, `dataset.init_view_path`). The paper's data are
the PR/FLM portrait-relighting heads (30 people in stage 1); here synthetic heads of a varied family stand in, with
ground-truth meshes (method spec §1.1, §4.1).
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
("md", r"""
## In the paper
**Stage 1 (template co-training).** A head is the zero level set of a composed signed distance field. A deformation
network $D$, conditioned on the person's shape code $\mathbf{z}_s$, moves a point onto a template $T$ shared by
everybody:
$$[\Delta\mathbf{x}, \mathbf{f}_{def}] = D(\gamma_6(\mathbf{x}) \oplus \mathbf{z}_s), \qquad [s_T, \mathbf{f}_T] = T(\gamma_6(\mathbf{x} + \Delta\mathbf{x})), \qquad s_1(\mathbf{x}) = s_T .$$
The SDF becomes a density by VolSDF's Laplace CDF, $\sigma(\mathbf{x}) = \tfrac{1}{\beta}\,\Psi_\beta(-s(\mathbf{x}))$ with
$\Psi_\beta(u) = \tfrac12 e^{u/\beta}$ for $u \le 0$ and $1 - \tfrac12 e^{-u/\beta}$ otherwise, and a pixel's colour is
$\hat C = \sum_i w_i c_i$, $w_i = (1 - e^{-\sigma_i\delta_i})\, e^{-\sum_{j<i}\sigma_j\delta_j}$. The samples come from the
error-bounded sampler (VolSDF Algorithm 1): it shrinks $\beta^+$ until the opacity error bound
$B = \max_k \big(e^{\sum_{i\le k} e_i} - 1\big)\, e^{-\hat R_k} \le \varepsilon$ ($\varepsilon = 0.1$), with
$e_i = e^{-d^*_i/\beta}\,\delta_i^2 / (4\beta^2)$, then places 64 + 32 samples where the weights are.
Template, deformation, codes and colour are trained together over many people by
$$\mathcal{L} = \mathcal{L}_{rgb} + 0.01\,\mathcal{L}_{eik} + 0.001\,(\mathcal{L}_{def} + \mathcal{L}_{defgrad} + \mathcal{L}_{z_s} + \mathcal{L}_{z_c}),$$
with $\mathcal{L}_{rgb} = \lVert \hat C - C \rVert_1$, $\mathcal{L}_{eik} = (\lVert\nabla_{\mathbf{x}} s_1\rVert - 1)^2$,
$\mathcal{L}_{def} = \lVert\Delta\mathbf{x}\rVert$ and $\mathcal{L}_{defgrad} = \lVert\nabla_{\mathbf{x}}\textstyle\sum_k \Delta x_k\rVert$ over the ray
samples (method spec §1.2, §1.5–1.9).
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
$"{model.Stage} model, β = {model.Density.GetBeta().item<float>():G4}"
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
("md", "## What these outputs show"),
("code", """
// Computed from this run's log and the view above, so it stays true of the outputs when they are refreshed.
NotebookTools.RunSummary(run, "Stage 1 (template, deformations, codes and colour co-trained)") +
    $" The rendered training view {ev.View} reaches {ev.Psnr:F1} dB PSNR (SSIM {ev.Ssim:F3})."
"""),
]

NB03 = [
("md", """
# 03 · Deformation inspection
What the identity-conditioned deformation field learned: Δx as cones, its magnitude on slices, the template's mesh
against each identity's mesh, correspondence colours (each vertex coloured by where it lands in the template,
x + Δx), and meshes of interpolated identity codes.
"""),
("md", r"""
## In the paper
Identity lives in the deformation: $\Delta\mathbf{x} = D(\gamma_6(\mathbf{x}) \oplus \mathbf{z}_s)$ maps each person's
space onto the shared template, so a point $\mathbf{x}$ on person A and the point on person B that lands on the same
template point $\mathbf{x} + \Delta\mathbf{x}$ correspond. Two terms keep the deformation small and smooth,
$\mathcal{L}_{def} = \lVert\Delta\mathbf{x}\rVert$ and $\mathcal{L}_{defgrad} = \lVert \nabla_{\mathbf{x}} \textstyle\sum_k \Delta x_k \rVert$,
and the codes are held near zero by $\mathcal{L}_{z_s} = \lVert\mathbf{z}_s\rVert^2$. Interpolating
$\mathbf{z}_s = (1-t)\,\mathbf{z}_A + t\,\mathbf{z}_B$ moves one head into the other through the template's space
(method spec §1.2–1.3, §1.9).
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
("md", r"""
## In the paper
**Stage 2 (per-person displacement).** A displacement network adds the detail the smooth template cannot hold, on
the undeformed point and the stage-1 features, with higher-frequency encoding:
$$[\delta, \mathbf{f}_{disp}] = \Delta(\gamma_8(\mathbf{x}) \oplus \mathbf{f}_{def} \oplus \mathbf{f}_T), \qquad s(\mathbf{x}) = s_1(\mathbf{x}) + \delta(\mathbf{x}).$$
It is trained for each person separately from the stage-1 checkpoint (template, deformation, codes and $\beta$
loaded; $\Delta$ and a larger colour network new), with two more terms that keep $\delta$ small and its gradient
sparse: $\mathcal{L}_{disp} = |\delta|$ and $\mathcal{L}_{dispgrad} = \textstyle\sum_k |\partial\delta/\partial x_k|$ (weights 0.001).
The eikonal term stays on $s_1$ (method spec §1.2, §1.9–1.10).
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
("md", "## What these outputs show"),
("code", """
NotebookTools.RunSummary(run, "Stage 2 (displacement added for one person)") +
    $" On view {e1.View} the displacement {(e2.Psnr > e1.Psnr ? "raised" : "did not raise")} PSNR: {e1.Psnr:F2} dB after stage 1, {e2.Psnr:F2} dB after stage 2."
"""),
]

NB05 = [
("md", """
# 05 · Evaluation
The stage-2 reconstruction of one person against its ground truth: per-vertex Chamfer error as a heat map, the
metrics table (Chamfer, F-score, normal consistency, in dataset units), PSNR/SSIM on held-out views, and a turntable.
"""),
("md", r"""
## In the paper
Geometry is scored against ground-truth scans: the symmetric Chamfer distance between points sampled on the two
surfaces, $d_C = \tfrac12\big(\tfrac{1}{|P|}\sum_{p\in P}\min_{q\in Q}\lVert p-q\rVert + \tfrac{1}{|Q|}\sum_{q\in Q}\min_{p\in P}\lVert q-p\rVert\big)$,
with the F-score at a distance threshold and the normal consistency; images by PSNR and SSIM on views that
training never saw. The paper reports these in low-view settings (3 to 15 views) against neural-rendering baselines
(method spec §1.1, §5; evaluation protocols).
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
("md", "## What these outputs show"),
("code", """
(cmp is null ? "No surface to compare with the ground truth yet." :
    System.FormattableString.Invariant($"The stage-2 surface of {id} is {cmp.Chamfer:G3} dataset units from the ground truth in Chamfer distance ({100 * cmp.ChamferOverDiagonal:F2} % of the ground truth's diagonal), normal consistency {cmp.NormalConsistency:F3}.")) +
    System.FormattableString.Invariant($" On {evals.Count} held-out views it renders at {evals.Average(e => e.Psnr):F1} dB PSNR on average (SSIM {evals.Average(e => e.Ssim):F3}).")
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
("md", r"""
## In the paper
The paper's claims are comparative: the two-stage composed SDF beats single-stage neural rendering when views are
few, the displacement adds detail stage 1 cannot, and the co-trained template is what rescues a sparsely seen
person. Each row below changes one of those ingredients (views per person, stage 2 on or off, the template, the
positional-encoding window) and measures Chamfer to ground truth and held-out PSNR (method spec §1.1, §1.4, §1.10).
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
NotebookHtml.Table(results)
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
("md", r"""
## In the paper
**An unseen person.** The pre-trained template initialises a new individual: the person is appended to the identity
list (its codes $\mathbf{z}_s, \mathbf{z}_c$ start at $\mathcal{N}(0, 0.01^2)$), template, deformation and $\beta$ are
loaded from stage 1, and training runs on only a few of that person's views (`dataset.fine_tune_flag`,
`fine_tune_view`). The claim is that this reaches a better surface and better novel views than training the same
network from scratch on the same views (method spec §1.11).
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
var rT = RunEvaluation.Evaluate(ws, "from the template", "fine_tune_flag, init_checkpoint = stage 1, 3 views", runT, unseen);
var rS = RunEvaluation.Evaluate(ws, "from scratch", "fine_tune_flag, fresh initialisation, 3 views", runS, unseen);
NotebookHtml.Table(new[] { rT, rS })
"""),
("md", "## What these outputs show"),
("code", """
System.FormattableString.Invariant($"From the same {DatasetTrainingData.Open(fromTemplate).ViewCount} views, starting from the template gives held-out PSNR {rT.HeldOutPsnr:F1} dB against {rS.HeldOutPsnr:F1} dB from scratch") +
    (rT.ChamferDataset is double cT && rS.ChamferDataset is double cS ? System.FormattableString.Invariant($", and Chamfer {cT:G3} against {cS:G3} dataset units: the template is {(cT < cS ? "better" : "not better")} on geometry.") : ".")
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
