#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 05-evaluation: the source of notebooks/05-evaluation.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 05-evaluation` writes notebooks/pages/05-evaluation.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 05 · Evaluation
// The stage-2 reconstruction of one person against its ground truth: per-vertex Chamfer error as a heat map, the
// metrics table (Chamfer, F-score, normal consistency, in dataset units), PSNR/SSIM on held-out views, and a turntable.

// %% [markdown]
// ## In the paper
// Geometry is scored against ground-truth scans: the symmetric Chamfer distance between points sampled on the two
// surfaces, $d_C = \tfrac12\big(\tfrac{1}{|P|}\sum_{p\in P}\min_{q\in Q}\lVert p-q\rVert + \tfrac{1}{|Q|}\sum_{q\in Q}\min_{p\in P}\lVert q-p\rVert\big)$,
// with the F-score at a distance threshold and the normal consistency; images by PSNR and SSIM on views that
// training never saw. The paper reports these in low-view settings (3 to 15 views) against neural-rendering baselines
// (method spec §1.1, §5; evaluation protocols).

// %%
using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using HeadRecon.Notebooks;
using HeadRecon.Training;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Show(ws.ToString());

// %%
var st1 = ws.Stage1Run();
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
Show(mesh);

// %% [markdown]
// ## Chamfer error on the reconstruction
// Each vertex coloured by its distance to the ground truth (dataset units; blue = close, red = far). The colour scale is clipped at the 95th percentile, so the bulk of the surface is not one colour because of a few far vertices.

// %%
if (mesh.VertexCount == 0 || gt is null) ShowHtml("<b>no surface (or no ground truth) to evaluate yet: train longer (HEADNB_PROFILE=cpu)</b>");
else
{
    var dist = ErrorColoring.VertexDistances(mesh.Transformed(scale, (0, 0, 0)), gt, ws.Profile.EvalSamples);
    Show(Plots.ErrorMeshes($"{id}: distance to ground truth", [("reconstruction", mesh.Transformed(scale, (0, 0, 0)), dist)], gt, "dataset units"));
}

// %%
var cmp = NotebookTools.TryCompare(mesh, gt, scale, ws.Profile.EvalSamples, [0.05, 0.1, 0.2]);
Show(cmp is null ? (object)"no mesh to compare" : NotebookHtml.Table(cmp.ToDictionary().Select(kv => new { metric = kv.Key, value = kv.Value })));

// %% [markdown]
// ## Held-out views
// Views of this person that training never saw (outside the view split).

// %%
var held = NotebookTools.HeldOutViews(conf);
var evals = Enumerable.Range(0, Math.Min(4, held.ViewCount)).Select(v => NotebookTools.EvaluateView(model, held, v, ws.Profile.RenderMaxSide)).ToList();
ShowHtml(NotebookHtml.ImageRow(evals.SelectMany(e => new[] { ($"{e.View} image", e.GroundTruthImage), ($"rendered, {e.Psnr:F1} dB", e.RenderedImage) })));
Show(NotebookHtml.Table(evals.Select(e => new { view = e.View, psnr_dB = e.Psnr, ssim = e.Ssim }), "F3"));

// %% [markdown]
// ## Turntable
// The mesh with the colour network's vertex colours, orbiting (a small CPU rasteriser, `NotebookTurntable`).

// %%
var coloured = mesh.VertexCount == 0 ? mesh : ModelMesher.WithColors(mesh, model, index);
ShowHtml(NotebookHtml.Gif(NotebookTurntable.Gif(coloured, frames: 24, size: 160), 240));

// %% [markdown]
// ## What these outputs show

// %%
Show((cmp is null ? "No surface to compare with the ground truth yet." :
    System.FormattableString.Invariant($"The stage-2 surface of {id} is {cmp.Chamfer:G3} dataset units from the ground truth in Chamfer distance ({100 * cmp.ChamferOverDiagonal:F2} % of the ground truth's diagonal), normal consistency {cmp.NormalConsistency:F3}.")) +
    System.FormattableString.Invariant($" On {evals.Count} held-out views it renders at {evals.Average(e => e.Psnr):F1} dB PSNR on average (SSIM {evals.Average(e => e.Ssim):F3})."));
