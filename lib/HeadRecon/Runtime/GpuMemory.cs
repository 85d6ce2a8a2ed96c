using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>Device memory in use on a CUDA device, in MiB.</summary>
/// <param name="UsedMegabytes">total − free: the CUDA context plus what libtorch's caching allocator holds. The allocator
/// keeps what it reserved (it does not hand memory back during a run), so this is the process's peak so far.</param>
public sealed record GpuMemoryUse(int Device, double UsedMegabytes, double TotalMegabytes);

/// <summary>
/// GPU memory through the CUDA runtime's <c>cudaMemGetInfo</c> (TorchSharp 0.107 exposes no torch.cuda memory
/// statistics). libtorch_cuda has already loaded libcudart, so looking it up by its soname finds that copy.
/// </summary>
public static unsafe class GpuMemory
{
    static readonly string[] CudaRuntimeNames = ["libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"];
    static readonly object Gate = new();
    static bool s_resolved;
    static delegate* unmanaged<int, int> s_setDevice;
    static delegate* unmanaged<nuint*, nuint*, int> s_memGetInfo;

    /// <summary>Memory in use on <paramref name="device"/>; null off CUDA or where the CUDA runtime cannot be found.</summary>
    public static GpuMemoryUse? Query(Device device)
    {
        if (device.type != TorchSharp.DeviceType.CUDA || !Resolve()) return null;
        int index = Math.Max(0, device.index);
        nuint free, total;
        lock (Gate)
        {
            if (s_setDevice(index) != 0 || s_memGetInfo(&free, &total) != 0) return null;
        }
        const double MiB = 1024.0 * 1024.0;
        return new GpuMemoryUse(index, (total - free) / MiB, total / MiB);
    }

    static bool Resolve()
    {
        lock (Gate)
        {
            if (s_resolved) return s_memGetInfo != null;
            s_resolved = true;
            if (!OperatingSystem.IsLinux() || !cuda.is_available()) return false;
            foreach (var name in CudaRuntimeNames)
            {
                if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
                if (NativeLibrary.TryGetExport(lib, "cudaMemGetInfo", out nint info) && NativeLibrary.TryGetExport(lib, "cudaSetDevice", out nint set))
                {
                    s_memGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)info;
                    s_setDevice = (delegate* unmanaged<int, int>)set;
                    return true;
                }
            }
            return false;
        }
    }
}
