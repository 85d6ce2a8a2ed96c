using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace HeadRecon.Runtime;

/// <summary>
/// Lets the MKL inside libtorch use its AVX-512 matrix kernels on AMD CPUs that have AVX-512 (Zen 4/5).
/// MKL picks its code path from <c>mkl_serv_intel_cpu_true()</c>: on AMD it returns 0 and sgemm runs the AVX2
/// "zen" kernels at about half the machine's rate for the MLP-shaped products (<c>headrecon bench --cases gemm</c>;
/// figures in docs/performance.md). libtorch_cpu.so calls that function through its PLT, so we
/// point the GOT slot at a two-instruction stub returning 1, before the first matrix product. MKL still checks each
/// instruction-set feature separately, so it only chooses kernels the CPU has.
/// <para>
/// Only the matrix products change path. MKL's vector maths (exp, log, sin, cos, sqrt in ATen) rounds differently on its
/// AVX-512 path, which moves the error-bounded sampler's inverse-CDF samples by up to 1.5e-4; we fix VML's choice first
/// (it caches its CPU type on the first call), so elementwise results stay bit-identical to the unpatched library.
/// </para>
/// Disabled by <c>HEADRECON_MKL_AVX512=0</c>; not applied where a CUDA device is visible unless <c>HEADRECON_MKL_AVX512=1</c>
/// (<see cref="TorchRuntime.Initialize"/>). Nothing happens on Intel CPUs (MKL already takes that path), without
/// AVX-512, off Linux x64, or when the library does not have the expected symbols; <see cref="Status"/> says which.
/// </summary>
public static unsafe class MklCodePath
{
    public const string EnvironmentVariable = "HEADRECON_MKL_AVX512";
    const string SymbolIntelCpu = "mkl_serv_intel_cpu_true";
    static readonly string[] VmlDetectors = ["mkl_vml_serv_cpu_detect", "mkl_vml_serv_cpu_detect_legacy"];

    static readonly object Gate = new();

    /// <summary>True once the GOT slot points at the stub.</summary>
    public static bool Enabled { get; private set; }

    /// <summary>One line for doctor and bench: what was done or why not.</summary>
    public static string Status { get; private set; } = "not attempted";

    /// <summary>Leaves MKL as it is for this process, with <paramref name="reason"/> as the status (no effect once applied).</summary>
    public static void Skip(string reason)
    {
        lock (Gate)
        {
            if (Status == "not attempted") Status = reason;
        }
    }

    /// <summary>Applies the change once per process; must run after libtorch is loaded and before the first matrix product.</summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (Status != "not attempted") return;
            try
            {
                Status = TryApply();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or EntryPointNotFoundException or DllNotFoundException)
            {
                Status = $"unchanged ({e.GetType().Name}: {e.Message})";
            }
        }
    }

    static string TryApply()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) == "0") return $"off ({EnvironmentVariable}=0): MKL default code path";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return "not applicable (Linux x64 only)";
        if (!Avx512F.IsSupported) return "not applicable (no AVX-512)";
        if (!IsAmd()) return "not applicable (MKL already uses its AVX-512 kernels on this CPU)";
        string? lib = LoadedLibraryPath("libtorch_cpu.so");
        if (lib is null) return "unchanged (libtorch_cpu.so is not loaded)";

        nint handle = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
        if (handle == 0) return $"unchanged (dlopen {lib} failed)";
        nint intelCpuTrue = dlsym(handle, SymbolIntelCpu);
        if (intelCpuTrue == 0) return $"unchanged ({SymbolIntelCpu} not in {lib})";

        using var elf = new ElfImage(lib);
        if (elf.Symbol(SymbolIntelCpu) is not var (value, index)) return $"unchanged ({SymbolIntelCpu} not in .dynsym)";
        var slots = elf.GotSlots(index);
        if (slots.Count == 0) return $"unchanged ({SymbolIntelCpu} is not called through the PLT in {lib})";
        nint bias = intelCpuTrue - (nint)value;
        // MKL caches its CPU type for the BLAS (mkl_cpu_type) and for VML (mkl_vml_cpu_type). Both are local symbols, so
        // we read their addresses off the first instruction of the exported functions that test them.
        nint detect = dlsym(handle, "mkl_serv_cpu_detect"), vmlDetect = dlsym(handle, "mkl_serv_vml_cpu_detect");
        int* cpuType = RipRelativeCompareTarget(detect), vmlType = RipRelativeCompareTarget(vmlDetect);
        if (cpuType == null || vmlType == null)
            return "unchanged (unrecognised MKL build: mkl_serv_cpu_detect / mkl_serv_vml_cpu_detect do not start with cmp [rip+d], 0)";

        // 1. Let VML detect the CPU as MKL normally would and cache its choice (its own per-domain cache included).
        foreach (var name in VmlDetectors)
        {
            nint f = dlsym(handle, name);
            if (f != 0) ((delegate* unmanaged<int>)f)();
        }
        int amdCpuType = *cpuType, amdVmlType = *vmlType;

        // 2. Answer "Intel" from now on and let the BLAS detect again.
        nint stub = ReturnOneStub();
        if (stub == 0) return "unchanged (could not map an executable page)";
        foreach (ulong offset in slots)
            if (!WritePointer(bias + (nint)offset, stub)) return $"unchanged (could not write the GOT slot at 0x{offset:x})";
        *cpuType = -1;
        *vmlType = -1;
        int blasType = ((delegate* unmanaged<int>)detect)();

        // 3. VML keeps the type it chose in step 1.
        *vmlType = amdVmlType;
        Enabled = blasType != amdCpuType;
        return Enabled
            ? $"MKL AVX-512 kernels enabled on AMD for matrix products (MKL CPU type {amdCpuType} → {blasType}; vector maths unchanged, type {amdVmlType})"
            : $"unchanged (MKL chose CPU type {blasType} either way)";
    }

    /// <summary>The address tested by <c>cmp dword [rip+disp32], 0</c> (83 3D disp32 00) at <paramref name="function"/>, or null.</summary>
    static int* RipRelativeCompareTarget(nint function)
    {
        if (function == 0) return null;
        byte* p = (byte*)function;
        if (p[0] != 0x83 || p[1] != 0x3D || p[6] != 0x00) return null;
        return (int*)(function + 7 + *(int*)(p + 2));
    }

    static bool IsAmd()
    {
        // CPUID leaf 0: vendor string in EBX, EDX, ECX.
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> v = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(MemoryMarshal.AsBytes(v)) == "AuthenticAMD";
    }

    static string? LoadedLibraryPath(string fileName)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..].Trim();
            if (Path.GetFileName(path) == fileName) return path;
        }
        return null;
    }

    static nint ReturnOneStub()
    {
        byte[] code = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3]; // mov eax, 1; ret
        nint page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == -1) return 0;
        Marshal.Copy(code, 0, page, code.Length);
        return mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0 ? page : 0;
    }

    static bool WritePointer(nint address, nint value)
    {
        nint page = address & ~(nint)4095;
        int original = Protection(address);
        if (original < 0) return false;
        if ((original & PROT_WRITE) == 0 && mprotect(page, 4096, original | PROT_WRITE) != 0) return false;
        *(nint*)address = value;
        if ((original & PROT_WRITE) == 0) _ = mprotect(page, 4096, original); // restoring read-only is best effort: the patch is in
        return true;
    }

    /// <summary>The protection of the mapping holding <paramref name="address"/>, from /proc/self/maps.</summary>
    static int Protection(nint address)
    {
        ulong a = (ulong)address;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int dash = line.IndexOf('-'), space = line.IndexOf(' ');
            ulong start = Convert.ToUInt64(line[..dash], 16), end = Convert.ToUInt64(line[(dash + 1)..space], 16);
            if (a < start || a >= end) continue;
            var perms = line.AsSpan(space + 1, 4);
            return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
        }
        return -1;
    }

    const int RTLD_NOW = 2, RTLD_NOLOAD = 4;
    const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

    [DllImport("libc", SetLastError = true)]
    static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    static extern int mprotect(nint addr, nuint length, int prot);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern nint dlsym(nint handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}

/// <summary>Reads what <see cref="MklCodePath"/> needs from an ELF64 shared object file: dynamic symbol values
/// and the GOT slots (JUMP_SLOT / GLOB_DAT relocations) of a dynamic symbol.</summary>
internal sealed unsafe class ElfImage : IDisposable
{
    const uint ShtRela = 4, ShtDynsym = 11;
    const uint RX8664GlobDat = 6, RX8664JumpSlot = 7;

    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _p;
    readonly long _length;
    readonly (uint Type, long Offset, long Size, uint Link, long EntSize)[] _sections;

    public ElfImage(string path)
    {
        Path = path;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _p = p + _view.PointerOffset;
        _length = (long)_view.SafeMemoryMappedViewHandle.ByteLength;
        if (_length < 64 || *(uint*)_p != 0x464C457F || _p[4] != 2 || _p[5] != 1)
            throw new InvalidDataException($"{path}: not a little-endian ELF64 file");
        long shoff = *(long*)(_p + 0x28);
        int shentsize = *(ushort*)(_p + 0x3A), shnum = *(ushort*)(_p + 0x3C);
        if (shoff <= 0 || shoff + (long)shentsize * shnum > _length) throw new InvalidDataException($"{path}: section headers out of range");
        _sections = new (uint, long, long, uint, long)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            byte* b = _p + shoff + (long)i * shentsize;
            _sections[i] = (*(uint*)(b + 4), *(long*)(b + 0x18), *(long*)(b + 0x20), *(uint*)(b + 0x28), *(long*)(b + 0x38));
        }
    }

    public string Path { get; }

    /// <summary>Value (address relative to the load bias) and .dynsym index of a defined dynamic symbol, or null.</summary>
    public (ulong Value, long Index)? Symbol(string name)
    {
        int table = Array.FindIndex(_sections, s => s.Type == ShtDynsym);
        if (table < 0) return null;
        var sym = _sections[table];
        var str = _sections[sym.Link];
        byte[] want = System.Text.Encoding.ASCII.GetBytes(name);
        for (long k = 0; k < sym.Size / sym.EntSize; k++)
        {
            byte* e = _p + sym.Offset + k * sym.EntSize;
            long nameAt = str.Offset + *(uint*)e;
            if (nameAt + want.Length >= _length || *(ushort*)(e + 6) == 0) continue; // out of range or undefined
            if (new ReadOnlySpan<byte>(_p + nameAt, want.Length).SequenceEqual(want) && _p[nameAt + want.Length] == 0)
                return (*(ulong*)(e + 8), k);
        }
        return null;
    }

    /// <summary>Offsets (relative to the load bias) of the GOT slots through which the library calls a dynamic symbol.</summary>
    public List<ulong> GotSlots(long dynamicSymbolIndex)
    {
        int dynsym = Array.FindIndex(_sections, s => s.Type == ShtDynsym);
        var slots = new List<ulong>();
        foreach (var s in _sections)
        {
            if (s.Type != ShtRela || s.Link != dynsym || s.EntSize != 24) continue;
            for (long k = 0; k < s.Size / 24; k++)
            {
                byte* e = _p + s.Offset + k * 24;
                ulong info = *(ulong*)(e + 8);
                if ((long)(info >> 32) == dynamicSymbolIndex && (uint)info is RX8664JumpSlot or RX8664GlobDat) slots.Add(*(ulong*)e);
            }
        }
        return slots;
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
