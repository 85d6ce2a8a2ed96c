namespace HeadRecon.Config;

/// <summary>
/// Every check of a key's value, in one place, run by <see cref="ConfLoader"/> on each configuration it binds: a value
/// must be in range, one of a few words, or a class name this program honours, so that a typo or an unsupported
/// choice fails at start-up with one error naming the key instead of being read and ignored. (The parameter-group
/// names of train.freeze and train.group_lr_scale depend on the stage and are checked against the model's groups
/// when training starts.)
/// </summary>
public static class ConfChecks
{
    public static HeadConf Check(HeadConf c)
    {
        Train(c.Train);
        Plot(c.Plot);
        Loss(c.Loss);
        Model(c.Model, c.Train);
        DatasetClass(c.Train.DatasetClass, c.Dataset);
        return c;
    }

    static void Train(TrainOptions t)
    {
        OneOf(t.ModelClass, "train.model_class", ClassNames.VolSdfNetwork);
        OneOf(t.LossClass, "train.loss_class", ClassNames.VolSdfLoss);
        if (t.MaxSeconds < 0) Fail($"must be ≥ 0 (0 = no limit), got {t.MaxSeconds}", "train.max_seconds");
        if (t.MaxIterations < 0) Fail($"must be ≥ 0 (0 = train nepochs epochs), got {t.MaxIterations}", "train.max_iterations");
        if (t.MaxIterations == 0 && t.NEpochs < 1) Fail($"must be ≥ 1 when train.max_iterations = 0, got {t.NEpochs}", "train.nepochs");
        AtLeast(t.NumPixels, 1, "train.num_pixels");
        AtLeast(t.SplitNPixels, 1, "train.split_n_pixels");
        foreach (var (value, key) in new[] { (t.LogFreq, "log_freq"), (t.CheckpointIters, "checkpoint_iters"), (t.PlotIters, "plot_iters"),
                                             (t.CheckpointFreq, "checkpoint_freq"), (t.PlotFreq, "plot_freq"), (t.PeAlphaIters, "pe_alpha_iters") })
            AtLeast(value, 0, "train." + key);
        if (!(t.PeAlphaStart is >= 0 and <= 1)) Fail($"must be in 0…1, got {t.PeAlphaStart}", "train.pe_alpha_start");
        if (!(t.DetailPixelFraction is >= 0 and <= 1)) Fail($"must be in 0…1, got {t.DetailPixelFraction}", "train.detail_pixel_fraction");
        foreach (var (group, scale) in t.GroupLrScale)
            if (!(scale > 0) || !double.IsFinite(scale)) Fail($"must be a finite number > 0, got {scale}", $"train.group_lr_scale.{group}");
        // expname names the default run folder runs/<expname>-<time>: a path in it would write elsewhere.
        if (t.ExpName.Length == 0 || t.ExpName is "." or ".." || t.ExpName.IndexOfAny(['/', '\\', '\0']) >= 0 || t.ExpName.Any(char.IsControl))
            Fail($"'{t.ExpName}' must be a plain name (no '/', '\\' or '..'): it names the run folder under runs/", "train.expname");
    }

    static void Plot(PlotOptions p) => AtLeast(p.PlotNImgs, 1, "plot.plot_nimgs");

    static void Loss(LossOptions l)
    {
        foreach (var (name, key) in new[] { (l.RgbLoss, "rgb_loss"), (l.DispLoss, "disp_loss"), (l.DispGradLoss, "disp_grad_loss"), (l.LatentCodeLoss, "latent_code_loss") })
            ClassNames.Penalty(name, "loss." + key);
    }

    static void Model(ModelOptions m, TrainOptions t)
    {
        if (!double.IsFinite(m.PeAlpha)) Fail($"must be a finite number, got {m.PeAlpha}", "model.pe_alpha");
        if (t.PeAlphaIters > 0 && m.PeAlpha < 0)
            Fail($"{m.PeAlpha} closes the PE window at construction, but train.pe_alpha_iters = {t.PeAlphaIters} schedules it from train.pe_alpha_start; set one of them", "model.pe_alpha");
        OneOf(m.SdfGradient, "model.sdf_gradient", "analytic", "numerical");
        Positive(m.NumericalGradientStep, "model.numerical_gradient_step");

        const string Geo = "model.deformTempGeo_network";
        var deform = m.DeformTempGeoNetwork.DeformNetwork;
        Network(deform.DIn, 3, deform.DOut, 3, deform.WeightNorm, $"{Geo}.deform_network", "3 (the offset Δx)");
        var implicitNet = m.DeformTempGeoNetwork.ImplicitNetwork;
        Network(implicitNet.DIn, 3, implicitNet.DOut, 1, implicitNet.WeightNorm, $"{Geo}.implicit_network", "1 (the SDF)");
        var disp = m.DisplacementNetwork;
        Network(disp.DIn, 3, disp.DOut, 1, disp.WeightNorm, "model.displacement_network", "1 (the displacement δ)");
        var color = m.RenderingNetwork;
        OneOf(color.Mode, "model.rendering_network.mode", "idr");
        Network(color.DIn, 9, color.DOut, 3, color.WeightNorm, "model.rendering_network", "3 (RGB)", "9 (point, normal and view direction)");

        OneOf(disp.Encoding, "model.displacement_network.encoding", "frequency", "hashgrid");
        var h = disp.HashGrid;
        const string Hg = "model.displacement_network.hash_grid";
        AtLeast(h.Levels, 1, $"{Hg}.levels");
        AtLeast(h.FeaturesPerLevel, 1, $"{Hg}.features_per_level");
        if (h.Log2HashmapSize is < 4 or > 30) Fail($"must be in 4…30, got {h.Log2HashmapSize}", $"{Hg}.log2_hashmap_size");
        if (h.BaseResolution < 1 || h.FinestResolution < h.BaseResolution)
            Fail($"need 1 ≤ base_resolution ≤ finest_resolution, got {h.BaseResolution} and {h.FinestResolution}", Hg);
        Positive(h.Bound, $"{Hg}.bound");
        if (h.CoarseToFineIters < 0) Fail($"must be ≥ 0 (0 = off), got {h.CoarseToFineIters}", $"{Hg}.coarse_to_fine_iters");
        if (h.StartLevels < 1 || h.StartLevels > h.Levels) Fail($"must be in 1…levels ({h.Levels}), got {h.StartLevels}", $"{Hg}.start_levels");

        var g = m.RaySampler.OccupancyGrid;
        const string Og = "model.ray_sampler.occupancy_grid";
        if (g.Resolution < 0) Fail($"must be ≥ 0 (0 = off), got {g.Resolution}", $"{Og}.resolution");
        Positive(g.Bound, $"{Og}.bound");
        AtLeast(g.UpdateIters, 1, $"{Og}.update_iters");
        if (g.Margin < 0) Fail($"must be ≥ 0, got {g.Margin}", $"{Og}.margin");
        if (g.BetaFactor < 0) Fail($"must be ≥ 0, got {g.BetaFactor}", $"{Og}.beta_factor");
    }

    /// <summary>A network's fixed input and output widths and its weight normalisation.</summary>
    static void Network(int dIn, int expectedIn, int dOut, int expectedOut, bool weightNorm, string section, string outMeaning, string inMeaning = "3 (a point)")
    {
        if (dIn != expectedIn) Fail($"must be {inMeaning}, got {dIn}", $"{section}.d_in");
        if (dOut != expectedOut) Fail($"must be {outMeaning}, got {dOut}", $"{section}.d_out");
        if (!weightNorm) Fail("false is not supported: every network of the original is weight-normalised (its checkpoints hold weight_g and weight_v)", $"{section}.weight_norm");
    }

    static void DatasetClass(string datasetClass, DatasetOptions d)
    {
        if (datasetClass.Length == 0) return;
        if (!ClassNames.DatasetClasses.TryGetValue(datasetClass, out var family))
            Fail($"'{datasetClass}' is not a supported dataset class (supported: {string.Join(", ", ClassNames.DatasetClasses.Keys)}, or \"\" for the one dataset.format names)", "train.dataset_class");
        else if (d.FormatFamily is { } format && format != family)
            Fail($"'{datasetClass}' loads dataset.format = {family}, but dataset.format = {d.Format}; " +
                 $"use {ClassNames.DatasetClasses.First(kv => kv.Value == format).Key} or \"\"", "train.dataset_class");
    }

    static void OneOf(string value, string key, params string[] allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
            Fail(allowed.Length == 1 ? $"'{value}' is not supported (only \"{allowed[0]}\")" : $"'{value}' is not one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}", key);
    }

    static void Positive(double value, string key)
    {
        if (!(value > 0)) Fail($"must be > 0, got {value}", key);
    }

    static void AtLeast(int value, int min, string key)
    {
        if (value < min) Fail($"must be ≥ {min}, got {value}", key);
    }

    static void Fail(string message, string key) => throw new ConfException(message, key: key);
}
