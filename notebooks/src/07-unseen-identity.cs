#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 07-unseen-identity: the source of notebooks/07-unseen-identity.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 07-unseen-identity` writes notebooks/pages/07-unseen-identity.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 07 · Unseen identity
// Fits a person that stage 1 never saw from 3 views: starting from the pre-trained template (`dataset.fine_tune_flag`,
// `train.init_checkpoint`: the new person gets a fresh embedding row, everything else starts from stage 1) versus
// the same networks from scratch for the same training time. Curves, meshes and the measured difference.

// %% [markdown]
// ## In the paper
// **An unseen person.** The pre-trained template initialises a new individual: the person is appended to the identity
// list (its codes $\mathbf{z}_s, \mathbf{z}_c$ start at $\mathcal{N}(0, 0.01^2)$), template, deformation and $\beta$ are
// loaded from stage 1, and training runs on only a few of that person's views (`dataset.fine_tune_flag`,
// `fine_tune_view`). The claim is that this reaches a better surface and better novel views than training the same
// network from scratch on the same views (method spec §1.11).

// %%
using HeadRecon.Data;
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
var unseen = ws.UnseenIdentity;
var fromTemplate = ws.UnseenConf(unseen, st1);
var fromScratch = ws.UnseenConf(unseen, null);
Show($"unseen identity {unseen}: {DatasetTrainingData.Open(fromTemplate).ViewCount} training views");

// %%
var liveT = new TrainingCurves("from the template", ws.Profile.CurveUpdateEvery);
var liveS = new TrainingCurves("from scratch", ws.Profile.CurveUpdateEvery);
var live = Show(TrainingCurves.Waiting(cached: false));
liveT.OnUpdate = _ => live.Update(TrainingCurves.LiveCompare("unseen identity", [("template", liveT), ("scratch", liveS)]));
liveS.OnUpdate = liveT.OnUpdate;
var runT = ws.EnsureRun($"unseen-{unseen}-template", fromTemplate, liveT);
// From scratch for the template path's training time, so both start from the same views at the same cost.
var runS = ws.EnsureBudgetRun($"unseen-{unseen}-scratch", fromScratch, NotebookWorkspace.TrainSeconds(runT), liveS);
Show(TrainingCurves.Compare($"unseen identity {unseen}: from the template vs from scratch",
    [("from template", TrainingCurves.FromRun(runT, "")), ("from scratch", TrainingCurves.FromRun(runS, ""))]));

// %%
double extent = fromTemplate.Plot.GridBoundary[1];
int index = NotebookTools.IdentityIndex(fromTemplate, unseen);
var mT = ws.LoadModel(runT);
var mS = ws.LoadModel(runS);
var meshT = ModelMesher.Extract(mT, index, -extent, extent, ws.Profile.MeshResolution);
var meshS = ModelMesher.Extract(mS, index, -extent, extent, ws.Profile.MeshResolution);
var gt = ws.GroundTruth(unseen);
var scale = DatasetLoader.Load(fromTemplate.Dataset).WorldToDatasetScale;
Show(NotebookTools.MeshPanels($"{unseen} from 3 views", [("from the template", meshT), ("from scratch", meshS), .. gt is null ? [] : new[] { ("ground truth (model frame)", gt.Transformed(1.0 / scale, (0, 0, 0))) }]));

// %%
var rT = RunEvaluation.Evaluate(ws, "from the template", "fine_tune_flag, init_checkpoint = stage 1, 3 views", runT, unseen);
var rS = RunEvaluation.Evaluate(ws, "from scratch", "fine_tune_flag, fresh initialisation, 3 views", runS, unseen);
Show(NotebookHtml.Table(new[] { rT, rS }));

// %% [markdown]
// ## What these outputs show

// %%
Show(System.FormattableString.Invariant($"From the same {DatasetTrainingData.Open(fromTemplate).ViewCount} views, starting from the template gives held-out PSNR {rT.HeldOutPsnr:F1} dB against {rS.HeldOutPsnr:F1} dB from scratch") +
    (rT.ChamferDataset is double cT && rS.ChamferDataset is double cS ? System.FormattableString.Invariant($", and Chamfer {cT:G3} against {cS:G3} dataset units: the template is {(cT < cS ? "better" : "not better")} on geometry.") : "."));
