#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 06-ablations: the source of notebooks/06-ablations.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 06-ablations` writes notebooks/pages/06-ablations.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 06 · Ablations
// The paper's ablations, measured here: every row is a run of this profile (cached in `HEADNB_CACHE` and reused),
// evaluated on the same identity with the same code: Chamfer to ground truth (dataset units), F-score, PSNR/SSIM on
// held-out views. With the `smoke` profile the runs are tiny, so the numbers only show that the pipeline works;
// use `cpu` or `paper` for meaningful comparisons.

// %% [markdown]
// ## In the paper
// The paper's claims are comparative: the two-stage composed SDF beats single-stage neural rendering when views are
// few, the displacement adds detail stage 1 cannot, and the co-trained template is what rescues a sparsely seen
// person. Each row below changes one of those ingredients (views per person, stage 2 on or off, the template, the
// positional-encoding window) and measures Chamfer to ground truth and held-out PSNR (method spec §1.1, §1.4, §1.10).

// %%
using HeadRecon.Config;
using HeadRecon.Notebooks;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
// Every row retrains stage 1, so a profile on the shipped template (cpu) runs them with its small-network counterpart (cpu-quick).
ws = ws.WithProfile(ws.Profile.Retraining);
Show(ws.ToString());

// %%
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
    ("single-person VolSDF", $"stage 1 on {id} alone (no co-training)", $"single-{id}", ws.Stage1Conf($"dataset.id_list=\"{ws.SingleIdentityList(id)}\"")),
    ("PE window off", "train.pe_alpha_iters = 0", "stage1", baseConf),
    ("PE window on", $"train.pe_alpha_iters = {iters / 2}, pe_alpha_start = 0", "stage1-pe", ws.Stage1Conf($"train.pe_alpha_iters={iters / 2}", "train.pe_alpha_start=0.0")),
};
foreach (var r in runs.DistinctBy(r => r.Name)) ws.EnsureRun(r.Name, r.Conf);
Show($"{runs.DistinctBy(r => r.Name).Count()} runs ready");

// %% [markdown]
// ## Measured results

// %%
var results = runs.Select(r => RunEvaluation.Evaluate(ws, r.Experiment, r.Settings, ws.RunDir(r.Name), id)).ToList();
Show(NotebookHtml.Table(results));

// %%
var labels = results.Select(r => r.Experiment).ToList();
Show(Plots.Bars($"Chamfer to ground truth ({id}, dataset units, lower is better)", "Chamfer", labels, [("Chamfer", results.Select(r => r.ChamferDataset ?? double.NaN).ToList())]));
Show(Plots.Bars($"held-out PSNR ({id}, higher is better)", "PSNR (dB)", labels, [("held-out PSNR", results.Select(r => r.HeldOutPsnr).ToList()), ("training PSNR", results.Select(r => r.TrainPsnr).ToList())]));
