using static TorchSharp.torch;

namespace HeadRecon.IO;

/// <summary>Which parameters a load matched, which the module lacks in the source, and which the source has extra.</summary>
public sealed record LoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Loads parameters into a module by their PyTorch names (e.g. "deform_temp_geo_network.implicit_net.lin0.weight_g"),
/// like load_state_dict(strict=…): shapes must match; with strict = false missing and unexpected names are reported
/// instead of failing (stage 2 loading a stage-1 checkpoint).
/// </summary>
public static class ParameterLoader
{
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, NpyArray> arrays, string prefix = "", bool strict = true, string source = "parameters")
    {
        var own = module.state_dict();
        var available = arrays.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(k => k[prefix.Length..], k => arrays[k]);
        var loaded = new List<string>();
        var missing = new List<string>();
        using (no_grad())
        {
            foreach (var (name, target) in own)
            {
                if (!available.TryGetValue(name, out var arr)) { missing.Add(name); continue; }
                long[] shape = target.shape;
                if (!shape.SequenceEqual(arr.Shape))
                    throw new InvalidDataException($"{source}: '{prefix}{name}' has shape ({string.Join(", ", arr.Shape)}), the model expects ({string.Join(", ", shape)})");
                var t = tensor(arr.AsFloat32(), shape, dtype: float32).to(target.dtype).to(target.device);
                target.copy_(t);
                loaded.Add(name);
            }
        }
        var unexpected = available.Keys.Where(k => !own.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidDataException($"{source}: missing {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")}; unexpected {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", …" : "")}");
        return new LoadReport(loaded, missing, unexpected);
    }
}
