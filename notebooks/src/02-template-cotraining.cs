#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 02-template-cotraining: the source of notebooks/02-template-cotraining.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 02-template-cotraining` writes notebooks/pages/02-template-cotraining.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 02 · Template co-training (stage 1)
// Trains the template SDF, the identity-conditioned deformation and the colour network on every training identity at once,
// with the loss, PSNR and β curves updating in place. Then looks inside: SDF slices of the template and of each identity's
// deformed SDF, and one ray through the error-bounded sampler. The run is cached (`HEADNB_CACHE`): notebooks 03–07 reuse it.

// %% [markdown]
// ## In the paper
// **Stage 1 (template co-training).** A head is the zero level set of a composed signed distance field. A deformation
// network $D$, conditioned on the person's shape code $\mathbf{z}_s$, moves a point onto a template $T$ shared by
// everybody:
// $$[\Delta\mathbf{x}, \mathbf{f}_{def}] = D(\gamma_6(\mathbf{x}) \oplus \mathbf{z}_s), \qquad [s_T, \mathbf{f}_T] = T(\gamma_6(\mathbf{x} + \Delta\mathbf{x})), \qquad s_1(\mathbf{x}) = s_T .$$
// The SDF becomes a density by VolSDF's Laplace CDF, $\sigma(\mathbf{x}) = \tfrac{1}{\beta}\,\Psi_\beta(-s(\mathbf{x}))$ with
// $\Psi_\beta(u) = \tfrac12 e^{u/\beta}$ for $u \le 0$ and $1 - \tfrac12 e^{-u/\beta}$ otherwise, and a pixel's colour is
// $\hat C = \sum_i w_i c_i$, $w_i = (1 - e^{-\sigma_i\delta_i})\, e^{-\sum_{j<i}\sigma_j\delta_j}$. The samples come from the
// error-bounded sampler (VolSDF Algorithm 1): it shrinks $\beta^+$ until the opacity error bound
// $B = \max_k \big(e^{\sum_{i\le k} e_i} - 1\big)\, e^{-\hat R_k} \le \varepsilon$ ($\varepsilon = 0.1$), with
// $e_i = e^{-d^*_i/\beta}\,\delta_i^2 / (4\beta^2)$, then places 64 + 32 samples where the weights are.
// Template, deformation, codes and colour are trained together over many people by
// $$\mathcal{L} = \mathcal{L}_{rgb} + 0.01\,\mathcal{L}_{eik} + 0.001\,(\mathcal{L}_{def} + \mathcal{L}_{defgrad} + \mathcal{L}_{z_s} + \mathcal{L}_{z_c}),$$
// with $\mathcal{L}_{rgb} = \lVert \hat C - C \rVert_1$, $\mathcal{L}_{eik} = (\lVert\nabla_{\mathbf{x}} s_1\rVert - 1)^2$,
// $\mathcal{L}_{def} = \lVert\Delta\mathbf{x}\rVert$ and $\mathcal{L}_{defgrad} = \lVert\nabla_{\mathbf{x}}\textstyle\sum_k \Delta x_k\rVert$ over the ray
// samples (method spec §1.2, §1.5–1.9).

// %%
using HeadRecon.Notebooks;
using HeadRecon.Training;
using HeadRecon.Visualization;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Show(ws.ToString());

// %%
var conf = ws.Stage1Conf();
var data = DatasetTrainingData.Open(conf);
Show($"{data.ViewCount} images of {data.NumIdentities} identities; {conf.Train.MaxIterations} iterations of {conf.Train.NumPixels} rays");

// %% [markdown]
// ## Training (live curves)

// %%
var curves = new TrainingCurves("stage 1: loss, PSNR and β", ws.Profile.CurveUpdateEvery);
// With the cpu profile, stage 1 is the shipped pre-trained template (tools/pretrain-template): nothing trains here.
bool cached = ws.Template is not null || ws.IsCached("stage1", conf);
// A live display: each update redraws the curves in place (Jupyter, VS Code); the next cell redraws them from the log.
var live = Show(TrainingCurves.Waiting(cached));
curves.OnUpdate = chart => live.Update(chart);
var run = ws.Stage1Run(curves);
// The final progress (a saved notebook keeps only the live display's first state).
Show(cached ? new HtmlFragment(ws.Template is not null ? $"the shipped template {run}" : $"reused the cached run {run}") : new HtmlFragment(curves.ProgressBar()));

// %%
// The whole run from its metrics.jsonl (also what a cached run shows).
Show(TrainingCurves.FromRun(run, "stage 1: loss, PSNR and β per iteration").Chart());

// %%
var model = ws.LoadModel(run);
var ids = data.Dataset.IdentityNames.Take(3).ToList();   // the first three identities (rows 0–2 of the code table)
double extent = conf.Plot.GridBoundary[1];
Show($"{model.Stage} model, β = {model.Density.GetBeta().item<float>():G4}");

// %% [markdown]
// ## SDF slices
// XY, XZ and YZ planes through the origin; black = the zero level set (the surface). First row: the template alone, then each identity's deformed SDF.

// %%
Show(Plots.SdfSlices("SDF slices (template, then each identity)", NotebookTools.SdfSlices(model, ids, ws.Profile.SliceResolution, extent)));

// %% [markdown]
// Walk through the first identity's head: the slider moves a YZ plane (the profile) from one side to the other.

// %%
Show(NotebookTools.SliceOffsetSlider(model, 0, ids[0], SlicePlane.YZ, ws.Profile.SliceResolution / 2, extent));

// %% [markdown]
// ## One ray through the error-bounded sampler
// The central pixel of the first view: final sample depths (ticks), SDF, Laplace density and volume-rendering weights. Samples concentrate where the SDF crosses zero.

// %%
var ray = NotebookTools.RayProfile(model, data, 0, data.Width(0) / 2, data.Height(0) / 2);
Show(ray.Chart($"view {data.ViewLabel(0)}, central pixel"));

// %% [markdown]
// ## A training view, rendered

// %%
var ev = NotebookTools.EvaluateView(model, data, 0, ws.Profile.RenderMaxSide);
ShowHtml(NotebookHtml.ImageRow([("ground truth", ev.GroundTruthImage), ("rendered", ev.RenderedImage), ("normals", ev.NormalImage)]));
Show($"{ev.View}: PSNR {ev.Psnr:F2} dB, SSIM {ev.Ssim:F3}");

// %% [markdown]
// ## What these outputs show

// %%
// Computed from this run's log and the view above, so it stays true of the outputs when they are refreshed.
Show(NotebookTools.RunSummary(run, "Stage 1 (template, deformations, codes and colour co-trained)") +
    $" The rendered training view {ev.View} reaches {ev.Psnr:F1} dB PSNR (SSIM {ev.Ssim:F3}).");
