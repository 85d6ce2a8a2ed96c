using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>
/// A small constant tensor built from host data once per device and dtype. Building it afresh in every forward pass
/// costs a host→device copy, which on CUDA is blocking: the host waits for all queued GPU work each time.
/// </summary>
public sealed class DeviceConstant(Func<Tensor> buildOnCpu)
{
    readonly Dictionary<(TorchSharp.DeviceType Type, int Index, ScalarType? Dtype), Tensor> _copies = [];

    /// <summary>The constant on <paramref name="device"/>, converted to <paramref name="dtype"/> when given.</summary>
    public Tensor On(Device device, ScalarType? dtype = null)
    {
        var key = (device.type, device.index, dtype);
        lock (_copies)
        {
            if (_copies.TryGetValue(key, out var t)) return t;
            using var scope = NewDisposeScope();
            var cpu = buildOnCpu();
            t = cpu.to(dtype ?? cpu.dtype).to(device).detach().DetachFromDisposeScope();
            _copies[key] = t;
            return t;
        }
    }
}
