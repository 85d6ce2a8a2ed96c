#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 06-ablations: the source of notebooks/06-ablations.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 06-ablations` writes notebooks/pages/06-ablations.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 06 · Ablations
// The paper's unseen-person path with one ingredient changed per row, each row trained for several held-out people and
// seeds, every run scored the same way: its mesh against the person's ground truth (whole head and the face region, in
// mm) and its renders of one fixed set of held-out views that no row trained on. Runs are cached in `HEADNB_CACHE`, and
// so is each run's score. With the `smoke` profile the runs are tiny and the numbers only show that the pipeline works;
// the committed outputs are the `cpu` profile (the shipped template, 128² images).

// %% [markdown]
// ## In the paper
// A person is the zero level set of the composed SDF (method spec §1.1, §1.4)
// $$s(\mathbf{x}) = T\big(\mathbf{x} + D(\mathbf{x}, \mathbf{z}_s)\big) + \delta(\mathbf{x}),$$
// with the template $T$ shared by everyone, the deformation $D$ conditioned on the person's code $\mathbf{z}_s$, and the
// displacement $\delta$ added in stage 2. An unseen person is fitted from few views by starting from the co-trained
// template: stage 1 moves only $\mathbf{z}_s$, $\mathbf{z}_c$, $D$ and the colour network (§1.11), stage 2 adds $\delta$.
// The paper's ablations claim that (a) the displacement adds detail stage 1 cannot, (b) more views help but the method
// degrades gracefully at 3, (c) the pre-trained template is what makes 3 views enough — single-stage neural rendering
// from scratch fails there — and (d) a coarse-to-fine window on the deformation's positional encoding,
// $\gamma_k(\mathbf{x})$ weighted by $w_k(\alpha) = \tfrac{1}{2}\big(1 - \cos(\pi\,\mathrm{clamp}(\alpha L - k, 0, 1))\big)$,
// keeps the early deformation smooth. Each row below tests one of these.
//
// Not run here: the paper's ablation over the number of identities in stage 1, which needs a template pre-trained per
// setting (two hours each on this profile's CPU budget).

// %%
using HeadRecon.Notebooks;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Show(ws.ToString());

// %% [markdown]
// ## The rows
// Every row is trained for the same people (the template's held-out identities, which it never saw; the synthetic
// family only, since it needs their ground truth and held-out people: with `HEADNB_DATA` set this cell stops) and seeds
// (`train.seed`: two on the `cpu` profile, one on the others). "Stage 1 only" is the first stage of the two-stage row's own runs; "no template" is single-stage VolSDF
// from scratch on the same 3 views for the same training time as that person's two stages.

// %%
var st1 = ws.Stage1Run();
var people = ws.HeldOutIdentities.Take(3).ToList();
var seeds = ws.Profile.AblationSeeds;
string[] Length(int seed) => [.. ws.Profile.AblationOverrides, $"train.seed={seed}"];
int iterations = ws.UnseenConf(people[0], st1, Length(1)).Train.MaxIterations, iterations2 = ws.UnseenStage2Conf(people[0], st1, Length(1)).Train.MaxIterations;
var rows = new List<(string Row, string Settings)>
{
    ("3 views, two stages", $"the paper's path: stage 1 from the template (template frozen), then stage 2 (displacement); 3_view.json, {iterations} + {iterations2} iterations"),
    ("3 views, stage 1 only", "no displacement: the same runs after stage 1"),
    ("5 views, two stages", "as the first row on 5_view.json (the 3 views and two more frontal ones)"),
    ("15 views, two stages", "as the first row on 15_view.json (spread over the whole rig)"),
    ("3 views, no template", "single-stage VolSDF from scratch (confs/unseen_scratch.conf) for the two stages' training time"),
    ("3 views, stage 1, PE window", $"stage 1 with train.pe_alpha_iters = {iterations / 2}, pe_alpha_start = 0 (coarse-to-fine bands); compare with stage 1 only"),
};
Show(NotebookHtml.Table(rows.Select(r => new { row = r.Row, settings = r.Settings })));
Show($"{people.Count} people ({string.Join(", ", people)}) × {seeds.Count} seeds ({string.Join(", ", seeds)}) per row");

// %% [markdown]
// ## Training
// Seed by seed, person by person, so an interrupted notebook has whole (person, seed) sets cached. One progress bar shows
// the run in training.

// %%
var runs = new List<AblationRun>();
var live = Show(TrainingCurves.Waiting(cached: false));
int total = seeds.Count * people.Count * 8, k = 0;
string Train(string name, Func<TrainingCurves, string> train)
{
    var curves = new TrainingCurves($"run {++k}/{total}: {name}", ws.Profile.CurveUpdateEvery) { OnUpdate = h => live.Update(h) };
    string dir = train(curves);
    live.Update(new HtmlFragment($"<i>{k}/{total} runs ready</i>"));
    return dir;
}
foreach (int seed in seeds)
    foreach (var id in people)
    {
        string tag = $"ablation/{id}-seed{seed}";
        string v3a = Train($"{tag}-3v-st1", c => ws.EnsureRun($"{tag}-3v-st1", ws.UnseenConf(id, st1, Length(seed)), c));
        string v3b = Train($"{tag}-3v-st2", c => ws.EnsureRun($"{tag}-3v-st2", ws.UnseenStage2Conf(id, v3a, Length(seed)), c));
        string v5a = Train($"{tag}-5v-st1", c => ws.EnsureRun($"{tag}-5v-st1", ws.UnseenConf(id, st1, [.. NotebookWorkspace.UnseenViews(5), .. Length(seed)]), c));
        string v5b = Train($"{tag}-5v-st2", c => ws.EnsureRun($"{tag}-5v-st2", ws.UnseenStage2Conf(id, v5a, [.. NotebookWorkspace.UnseenViews(5), .. Length(seed)]), c));
        string v15a = Train($"{tag}-15v-st1", c => ws.EnsureRun($"{tag}-15v-st1", ws.UnseenConf(id, st1, [.. NotebookWorkspace.UnseenViews(15), .. Length(seed)]), c));
        string v15b = Train($"{tag}-15v-st2", c => ws.EnsureRun($"{tag}-15v-st2", ws.UnseenStage2Conf(id, v15a, [.. NotebookWorkspace.UnseenViews(15), .. Length(seed)]), c));
        double budget = NotebookWorkspace.TrainSeconds(v3a) + NotebookWorkspace.TrainSeconds(v3b);
        string scratch = Train($"{tag}-scratch", c => ws.EnsureBudgetRun($"{tag}-scratch", ws.UnseenConf(id, null, $"train.seed={seed}"), budget, c));
        string pe = Train($"{tag}-3v-st1-pe", c => ws.EnsureRun($"{tag}-3v-st1-pe",
            ws.UnseenConf(id, st1, [.. Length(seed), $"train.pe_alpha_iters={iterations / 2}", "train.pe_alpha_start=0.0"]), c));
        runs.AddRange([new(rows[0].Row, id, seed, v3b, [v3a]), new(rows[1].Row, id, seed, v3a), new(rows[2].Row, id, seed, v5b, [v5a]),
            new(rows[3].Row, id, seed, v15b, [v15a]), new(rows[4].Row, id, seed, scratch), new(rows[5].Row, id, seed, pe)]);
    }
Show($"{k} trainings ready in {ws.CacheDir}, {runs.Count} runs to score");

// %% [markdown]
// ## Measured results
// Chamfer is the mean of the two directions' nearest-surface distances (surface samples of both meshes, largest
// component), in mm; the face region is a 95 mm sphere around the ground truth's nose tip (H3DS's `face_sphere`).
// Held-out PSNR/SSIM are the mean over the same views of each person for every row. Each cell is
// mean ± standard deviation (minimum–maximum) over the row's runs.

// %%
var views = people.ToDictionary(id => id, id => Ablation.EvaluationViews(ws.DataDir, id, [3, 5, 15], 3));
Show(string.Join("; ", views.Select(v => $"{v.Key}: held-out views {string.Join(", ", v.Value)}")));
var scores = runs.Select(r => Ablation.Score(ws, r, views[r.Identity])).ToList();
Show(NotebookHtml.Table(Ablation.Summarise(rows, scores)));

// %%
var names = rows.Select(r => r.Row).ToList();
Show(Ablation.Chart("face-region Chamfer to ground truth (mm, lower is better)", "face Chamfer (mm)", names, scores, s => s.FaceChamfer));
Show(Ablation.Chart("whole-head Chamfer to ground truth (mm, lower is better)", "head Chamfer (mm)", names, scores, s => s.HeadChamfer));
Show(Ablation.Chart("held-out PSNR on the fixed views (dB, higher is better)", "PSNR (dB)", names, scores, s => s.HeldOutPsnr));

// %% [markdown]
// Every run, for reading a row's spread by person and seed:

// %%
Show(NotebookHtml.Table(scores));

// %% [markdown]
// ## What these outputs show
// Each comparison is paired: the same person and seed in both rows, the mean difference and how many pairs it holds in.

// %%
string Compare(string what, string a, string b, Func<AblationScore, double?> metric, string unit, bool lowerIsBetter) =>
    Ablation.Describe(scores, what, a, b, metric, unit, lowerIsBetter);
Show(new HtmlFragment("<ul>" + string.Concat(new[]
{
    Compare("Displacement (two stages − stage 1 only), face Chamfer", rows[0].Row, rows[1].Row, s => s.FaceChamfer, "mm", true),
    Compare("Displacement, whole head Chamfer", rows[0].Row, rows[1].Row, s => s.HeadChamfer, "mm", true),
    Compare("Displacement, held-out PSNR", rows[0].Row, rows[1].Row, s => s.HeldOutPsnr, "dB", false),
    Compare("5 views − 3 views (two stages), face Chamfer", rows[2].Row, rows[0].Row, s => s.FaceChamfer, "mm", true),
    Compare("5 views − 3 views, held-out PSNR", rows[2].Row, rows[0].Row, s => s.HeldOutPsnr, "dB", false),
    Compare("15 views − 3 views (two stages), face Chamfer", rows[3].Row, rows[0].Row, s => s.FaceChamfer, "mm", true),
    Compare("15 views − 3 views, whole head Chamfer", rows[3].Row, rows[0].Row, s => s.HeadChamfer, "mm", true),
    Compare("15 views − 3 views, held-out PSNR", rows[3].Row, rows[0].Row, s => s.HeldOutPsnr, "dB", false),
    Compare("Template − no template (equal time), face Chamfer", rows[0].Row, rows[4].Row, s => s.FaceChamfer, "mm", true),
    Compare("Template − no template, whole head Chamfer", rows[0].Row, rows[4].Row, s => s.HeadChamfer, "mm", true),
    Compare("Template − no template, held-out PSNR", rows[0].Row, rows[4].Row, s => s.HeldOutPsnr, "dB", false),
    Compare("PE window − none (stage 1), face Chamfer", rows[5].Row, rows[1].Row, s => s.FaceChamfer, "mm", true),
}.Select(l => $"<li>{System.Net.WebUtility.HtmlEncode(l)}</li>")) + "</ul>"));

// %% [markdown]
// **Reading the committed `cpu` run** (3 held-out people × 2 seeds, 200 + 200 iterations, 128² images; the list above
// is recomputed on every run, this paragraph is not). The pre-trained template is what makes 3 views work: at the same
// training time, single-stage VolSDF from scratch is worse in every pair, by about 2.9 mm on the whole head and 3.8 mm
// on the face (5.8 and 5.9 mm against 3.0 and 2.1 mm): the paper's central claim holds here. Three results differ from
// the paper at this scale:
// 1. **The displacement** improves the whole head (−0.2 mm, 5 of 6 pairs) but not the face (+0.15 mm, worse in 4 of 6),
//    and it lowers held-out PSNR in every pair (−1.4 dB): from 3 views, stage 2 fits the training images at the expense
//    of the others. The paper's stage 2 runs far longer at 512²; this table does not show that it adds facial detail.
// 2. **More views** help the whole head (15 views: −0.6 mm, 5 of 6 pairs) and held-out PSNR (+0.7 dB with 5 views,
//    +4.0 dB with 15), but not the face region (+0.2 mm with 5 views, +0.1 mm with 15, worse in 4 of 6 pairs each): the
//    3 frontal views already see the face, and the same iterations spread over more images give each one fewer rays (one
//    explanation, not tested here).
// 3. **The PE window** does not help this fine-tune (+0.1 mm on the face, worse in 3 of 6 pairs; +0.6 dB PSNR): the
//    pre-trained deformation is already smooth.
//
// The spread over people and seeds (sd 0.2–0.5 mm) is as large as the stage-1/stage-2 difference on the face, which is
// why single runs on one person could not settle it.
