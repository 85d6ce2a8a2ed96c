#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 01-data-and-cameras: the source of notebooks/01-data-and-cameras.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 01-data-and-cameras` writes notebooks/pages/01-data-and-cameras.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 01 · Data and cameras
// Loads the heads the profile uses (synthetic heads generated on first use, or a PR-layout folder given by `HEADNB_DATA`),
// shows the images, the camera frusta with the bounding sphere and the ground-truth mesh, and checks that every camera's
// rays meet the bounding sphere the renderer samples in.

// %% [markdown]
// ## In the paper
// The method reconstructs a head from a few calibrated photographs, with no masks and no 3D supervision: every pixel
// $p$ of view $k$ defines a ray $\mathbf{r}(t) = \mathbf{o}_k + t\,\mathbf{d}_p$, $t \in [0, 2R]$, through the pinhole
// camera $K_k [R_k \mid t_k]$, and all geometry lives inside the bounding sphere $\lVert\mathbf{x}\rVert < R$
// (`model.scene_bounding_sphere`, $R = 3$ for the PR data) that the sampler searches. Stage 1 trains on a sparse,
// randomly selected subset of each person's views (the view split, `dataset.init_view_path`). The paper's data are
// the PR/FLM portrait-relighting heads (30 people in stage 1); here synthetic heads of a varied family stand in, with
// ground-truth meshes (method spec §1.1, §4.1).

// %%
using HeadRecon.Data;
using HeadRecon.Notebooks;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Show(ws.ToString());

// %% [markdown]
// ## The dataset
// Stage 1's view split (`dataset.init_view_path`) of every training identity, in the model frame (XML units × `cam_scale`).

// %%
var conf = ws.Stage1Conf();
var data = DatasetLoader.Load(conf.Dataset, conf.Train.Seed);
Show(data.Summarize(conf.Model.SceneBoundingSphere).ToString());

// %%
// One row of thumbnails per identity (the first four; the cpu profile's family has 16).
foreach (var id in data.IdentityNames.Take(4))
    ShowHtml($"<b>{id}</b>" + NotebookHtml.ImageRow(NotebookTools.ViewImages(new HeadDataset(data.Views.Where(v => v.IdentityName == id).ToList(), data.IdentityNames, data.WorldToDatasetScale, null, null, id)), 96));

// %% [markdown]
// ## Cameras, bounding sphere and ground truth
// The ground-truth mesh is stored in dataset units; dividing by `WorldToDatasetScale` (= 1/cam_scale) brings it into the model frame the cameras live in.

// %%
var firstId = data.IdentityNames[0];
var gt = ws.GroundTruth(firstId);
var gtModelFrame = gt?.Transformed(1.0 / data.WorldToDatasetScale, (0, 0, 0));
Show(NotebookTools.CameraPlot(data.Views.Where(v => v.IdentityName == firstId).ToList(), conf.Model.SceneBoundingSphere, gtModelFrame,
    $"identity {firstId}: cameras, bounding sphere (r = {conf.Model.SceneBoundingSphere}) and ground truth"));

// %% [markdown]
// ## Ray / sphere sanity checks
// Every central ray must cross the bounding sphere, the optical axes should pass close to the origin, and the whole head must lie inside the sphere.

// %%
var checks = NotebookTools.RaySphereChecks(data, conf.Model.SceneBoundingSphere);
if (!checks.All(c => c.CentralRayHitsSphere)) throw new InvalidOperationException("a camera's central ray misses the bounding sphere");
Show(NotebookHtml.Table(checks.Take(8)));

// %%
// The origin projects near the image centre, and the ground truth lies well inside the sphere.
var v0 = data.Views[0];
var (u, vv, depth) = PinholeCamera.Project(v0, 0, 0, 0);
double maxRadius = gtModelFrame is null ? 0 : Enumerable.Range(0, gtModelFrame.VertexCount)
    .Max(i => Math.Sqrt(Math.Pow(gtModelFrame.Vertices[3 * i], 2) + Math.Pow(gtModelFrame.Vertices[3 * i + 1], 2) + Math.Pow(gtModelFrame.Vertices[3 * i + 2], 2)));
if (maxRadius >= conf.Model.SceneBoundingSphere) throw new InvalidOperationException("the head does not fit in the bounding sphere");
Show($"origin → pixel ({u:F1}, {vv:F1}) at depth {depth:F3} in a {v0.Width}×{v0.Height} image; ground truth radius {maxRadius:F3} < sphere {conf.Model.SceneBoundingSphere}");
