#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 04-displacement-training: the source of notebooks/04-displacement-training.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 04-displacement-training` writes notebooks/pages/04-displacement-training.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 04 · Displacement training (stage 2)
// Fits one person starting from the stage-1 checkpoint (`train.init_checkpoint`): the coarse geometry is loaded by name,
// a displacement field δ and a new colour network are added. Shows the curves, δ on the mesh as a heat map, the
// stage-1 and stage-2 meshes side by side and the normal maps.

// %% [markdown]
// ## In the paper
// **Stage 2 (per-person displacement).** A displacement network adds the detail the smooth template cannot hold, on
// the undeformed point and the stage-1 features, with higher-frequency encoding:
// $$[\delta, \mathbf{f}_{disp}] = \Delta(\gamma_8(\mathbf{x}) \oplus \mathbf{f}_{def} \oplus \mathbf{f}_T), \qquad s(\mathbf{x}) = s_1(\mathbf{x}) + \delta(\mathbf{x}).$$
// It is trained for each person separately from the stage-1 checkpoint (template, deformation, codes and $\beta$
// loaded; $\Delta$ and a larger colour network new), with two more terms that keep $\delta$ small and its gradient
// sparse: $\mathcal{L}_{disp} = |\delta|$ and $\mathcal{L}_{dispgrad} = \textstyle\sum_k |\partial\delta/\partial x_k|$ (weights 0.001).
// The eikonal term stays on $s_1$ (method spec §1.2, §1.9–1.10).

// %%
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
var data = DatasetTrainingData.Open(conf);
int index = NotebookTools.IdentityIndex(conf, id);
double extent = conf.Plot.GridBoundary[1];
int res = ws.Profile.MeshResolution;
Show($"stage 2 for {id} (embedding row {index}) from {st1}: {data.ViewCount} views, {conf.Train.MaxIterations} iterations");

// %%
var curves = new TrainingCurves($"stage 2 ({id}): loss, PSNR and β", ws.Profile.CurveUpdateEvery);
string name = $"stage2-{id}";
bool cached = ws.IsCached(name, conf);
var live = Show(TrainingCurves.Waiting(cached));
curves.OnUpdate = chart => live.Update(chart);
var run = ws.EnsureRun(name, conf, curves);
// The final progress (a saved notebook keeps only the live display's first state).
Show(cached ? new HtmlFragment($"reused the cached run {run}") : new HtmlFragment(curves.ProgressBar()));

// %%
Show(TrainingCurves.FromRun(run, $"stage 2 ({id}) per iteration").Chart());

// %%
var m1 = ws.LoadModel(st1);
var m2 = ws.LoadModel(run);
var mesh1 = ModelMesher.Extract(m1, index, -extent, extent, res);
var mesh2 = ModelMesher.Extract(m2, index, -extent, extent, res);
var delta = NotebookTools.Displacement(m2, index, mesh2);
Show($"δ on the stage-2 surface: min {(delta.Length > 0 ? delta.Min() : 0):G3}, max {(delta.Length > 0 ? delta.Max() : 0):G3}");

// %% [markdown]
// ## Stage 1 vs stage 2, and the displacement δ on the surface

// %%
Show(Plots.MeshGrid($"{id}: stage 1, stage 2 and δ (signed, model units)", [("stage 1", mesh1, null, null), ("stage 2", mesh2, null, null), ("δ on stage 2", mesh2, null, delta)], colorscale: "RdBu"));

// %% [markdown]
// ## Normal maps and renderings

// %%
var e1 = NotebookTools.EvaluateView(m1, data, 0, ws.Profile.RenderMaxSide);
var e2 = NotebookTools.EvaluateView(m2, data, 0, ws.Profile.RenderMaxSide);
ShowHtml(NotebookHtml.ImageRow([("image", e1.GroundTruthImage), ("stage 1", e1.RenderedImage), ("stage 1 normals", e1.NormalImage), ("stage 2", e2.RenderedImage), ("stage 2 normals", e2.NormalImage)]));
Show($"{e1.View}: PSNR stage 1 {e1.Psnr:F2} dB → stage 2 {e2.Psnr:F2} dB");

// %% [markdown]
// ## What these outputs show

// %%
Show(NotebookTools.RunSummary(run, "Stage 2 (displacement added for one person)") +
    $" On view {e1.View} the displacement {(e2.Psnr > e1.Psnr ? "raised" : "did not raise")} PSNR: {e1.Psnr:F2} dB after stage 1, {e2.Psnr:F2} dB after stage 2.");
