using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace HeadRecon.Runtime;

/// <summary>
/// Flush-to-zero / denormals-are-zero on x86-64 (MXCSR bits 15 and 6).
/// softplus(β=100) in the template network produces denormals; without FTZ/DAZ every one of them costs
/// a microcode assist, which makes CPU training 3–5× slower. .NET exposes no MXCSR intrinsic, so we
/// call a 9-byte stub (stmxcsr / ldmxcsr) placed in an executable page. MXCSR is per thread and is
/// inherited by threads created afterwards, so this must run before libtorch starts its OpenMP pool.
/// </summary>
public static unsafe class FloatingPointControl
{
    const uint FlushToZero = 1u << 15;
    const uint DenormalsAreZero = 1u << 6;

    static delegate* unmanaged<uint> s_get;
    static delegate* unmanaged<uint, void> s_set;
    static readonly object Gate = new();

    public static bool IsSupported => RuntimeInformation.ProcessArchitecture == Architecture.X64 && Sse.IsSupported && OperatingSystem.IsLinux();

    /// <summary>Current MXCSR of the calling thread, or null where unsupported.</summary>
    public static uint? ReadMxcsr()
    {
        if (!EnsureStubs()) return null;
        return s_get();
    }

    public static bool FlushDenormalsEnabled => ReadMxcsr() is uint m && (m & (FlushToZero | DenormalsAreZero)) == (FlushToZero | DenormalsAreZero);

    /// <summary>Sets or clears FTZ and DAZ on the calling thread; returns false where unsupported.</summary>
    public static bool SetFlushDenormals(bool enable)
    {
        if (!EnsureStubs()) return false;
        uint m = s_get();
        m = enable ? m | FlushToZero | DenormalsAreZero : m & ~(FlushToZero | DenormalsAreZero);
        s_set(m);
        return true;
    }

    static bool EnsureStubs()
    {
        if (!IsSupported) return false;
        if (s_get != null) return true;
        lock (Gate)
        {
            if (s_get != null) return true;
            // get: stmxcsr [rsp-4]; mov eax,[rsp-4]; ret      set: mov [rsp-4],edi; ldmxcsr [rsp-4]; ret
            byte[] code =
            [
                0x0F, 0xAE, 0x5C, 0x24, 0xFC, 0x8B, 0x44, 0x24, 0xFC, 0xC3,
                0x89, 0x7C, 0x24, 0xFC, 0x0F, 0xAE, 0x54, 0x24, 0xFC, 0xC3,
            ];
            const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
            nint page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (page == -1) return false;
            Marshal.Copy(code, 0, page, code.Length);
            if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) return false;
            s_set = (delegate* unmanaged<uint, void>)(page + 10);
            s_get = (delegate* unmanaged<uint>)page;
            return true;
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    static extern int mprotect(nint addr, nuint length, int prot);
}
