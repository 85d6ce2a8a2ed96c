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
checks.Take(8)
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
var handle = display(curves.Chart());
curves.OnUpdate = chart => handle.Update(chart);
bool cached = ws.IsCached("stage1", conf);
var run = ws.EnsureRun("stage1", conf, curves);
if (cached) handle.Update(TrainingCurves.FromRun(run, "stage 1 (cached run): loss, PSNR and β").Chart());
cached ? $"reused the cached run {run}" : $"trained {run}: {curves.Last?.Describe()}"
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

NOTEBOOKS = {
    "01-data-and-cameras": NB01,
    "02-template-cotraining": NB02,
}
