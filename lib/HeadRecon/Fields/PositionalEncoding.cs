using HeadRecon.Runtime;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// NeRF positional encoding γ_L(p) = [p, w_0 sin(2^0 p), w_0 cos(2^0 p), …, w_{L-1} cos(2^{L-1} p)] with the
/// cosine coarse-to-fine window w_k(α) = (1 − cos(π·clamp(α·L − ln 2^k, 0, 1)))/2 (HF-NeuS / BARF).
/// The original constructs every encoder with α = 1 and only ever adds pe_alpha = 1000 (clamped), so all
/// bands are open from the start; <see cref="Alpha"/> is settable so a schedule can close and reopen them.
/// </summary>
public sealed class PositionalEncoding
{
    readonly float[] _freqs;
    readonly DeviceConstant _freqsOnDevice;
    (Device Device, double Alpha, Tensor Window)? _window; // the window at the last alpha, on the last device

    public PositionalEncoding(int multires, int inputDims = 3, double alpha = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(multires);
        Multires = multires;
        InputDims = inputDims;
        _freqs = Enumerable.Range(0, multires).Select(k => MathF.Pow(2f, k)).ToArray();
        _freqsOnDevice = new DeviceConstant(() => tensor(_freqs).view(1, Multires, 1));
        Alpha = alpha;
    }

    public int Multires { get; }
    public int InputDims { get; }
    public int OutputDims => InputDims * (1 + 2 * Multires);

    /// <summary>Window position in [0, 1]; 1 opens every band (the original's behaviour).</summary>
    public double Alpha { get; set => field = Math.Clamp(value, 0.0, 1.0); }

    /// <summary>The original's update_alpha: additive, then clamped to [0, 1].</summary>
    public void UpdateAlpha(double increment) => Alpha += increment;

    /// <summary>Window factor of band k at the current alpha (float32 as the original computes it).</summary>
    public float Window(int k)
    {
        float x = (float)Alpha * Multires - MathF.Log(_freqs[k]);
        x = Math.Clamp(x, 0f, 1f);
        return (1f - MathF.Cos(x * MathF.PI)) / 2f;
    }

    public Tensor Encode(Tensor x)
    {
        if (Multires == 0) return x;
        using var scope = NewDisposeScope();
        var scaled = x.unsqueeze(1) * _freqsOnDevice.On(x.device);   // (N, L, D)
        var sc = stack([scaled.sin(), scaled.cos()], 2);           // (N, L, 2, D)
        if (Alpha < 1.0 || Enumerable.Range(0, Multires).Any(k => Window(k) != 1f))
        {
            sc = sc * WindowOn(x.device);
        }
        return cat([x, sc.reshape(x.shape[0], 2 * Multires * InputDims)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The window factors (1, L, 1, 1) on a device, rebuilt only when alpha or the device changes (a schedule
    /// moves alpha once per iteration, while the encoder runs many times per iteration).</summary>
    Tensor WindowOn(Device device)
    {
        if (_window is { } w && w.Alpha == Alpha && w.Device.type == device.type && w.Device.index == device.index) return w.Window;
        _window?.Window.Dispose();
        using var scope = NewDisposeScope();
        var t = tensor(Enumerable.Range(0, Multires).Select(Window).ToArray()).view(1, Multires, 1, 1).to(device).DetachFromDisposeScope();
        _window = (device, Alpha, t);
        return t;
    }
}
