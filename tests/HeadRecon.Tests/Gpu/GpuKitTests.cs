using System.Globalization;
using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;
using static HeadRecon.Tests.Gpu.KitScripts;

namespace HeadRecon.Tests.Gpu;

/// <summary>
/// Small stand-ins for what tools/gpu/make-kit packs (a checkout, TorchSharp's repository at a release tag, a publish
/// folder, a .NET installation), and one kit made from them: the packing, the size limit and the device script's
/// argument handling and dry run are checked without publishing anything or a GPU.
/// </summary>
public sealed class FakeKitInputs : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Repo => Dir["repo"];
    public string TorchSharp => Dir["torchsharp"];
    public string Publish => Dir["publish"];
    public string Runtime => Dir["dotnet"];
    public string Kit => Dir["kit"];
    public KitScripts.Result Made { get; }

    public FakeKitInputs()
    {
        // The checkout: what make-kit reads (Directory.Packages.props) and what the device script needs beside it.
        Write(Repo, "Directory.Packages.props", "<Project><ItemGroup><PackageVersion Include=\"TorchSharp-cpu\" Version=\"0.107.0\" /></ItemGroup></Project>\n");
        Write(Repo, "tests/HeadRecon.Tests/TestData/reference/README.md", "reference vectors\n");
        Write(Repo, ".gitignore", "ignored/\n");
        Directory.CreateDirectory(Path.Combine(Repo, "tools", "gpu"));
        File.Copy(KitScripts.Script("run-on-gpu.sh"), Path.Combine(Repo, "tools", "gpu", "run-on-gpu.sh"));
        KitScripts.Git(Repo, "init", "-q");
        KitScripts.Git(Repo, "add", "-A");
        KitScripts.Git(Repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "fake checkout");

        // TorchSharp at v0.107.0: the native sources and files the kit must leave out.
        Write(TorchSharp, "build/BranchInfo.props", BranchInfo(0, 107, 0));
        Write(TorchSharp, "LICENSE.txt", "MIT\n");
        Write(TorchSharp, "src/Native/CMakeLists.txt", "add_definitions(-Werror)\nadd_definitions(-D_GLIBCXX_USE_CXX11_ABI=1)\nadd_subdirectory(LibTorchSharp)\n");
        Write(TorchSharp, "src/Native/LibTorchSharp/CMakeLists.txt", "project(LibTorchSharp)\ninstall_library_and_symbols (LibTorchSharp)\n");
        Write(TorchSharp, "src/Native/LibTorchSharp/THSTensor.cpp", "// tensor\n");
        Write(TorchSharp, "src/TorchSharp/Tensor.cs", "// managed code, not needed on the GPU machine\n");
        KitScripts.Git(TorchSharp, "init", "-q");
        KitScripts.Git(TorchSharp, "add", "-A");
        KitScripts.Git(TorchSharp, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "0.107.0");
        KitScripts.Git(TorchSharp, "tag", "v0.107.0");
        Write(TorchSharp, "build/BranchInfo.props", BranchInfo(0, 108, 0)); // development went on after the tag
        KitScripts.Git(TorchSharp, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "0.108 development");

        // A publish folder with the CPU natives the kit must drop, and a .NET installation with diagnostics to prune.
        foreach (var f in new[] { "HeadRecon.Cli.dll", "HeadRecon.Cli.runtimeconfig.json", "HeadRecon.Parity.dll", "TorchSharp.dll", "libtorch_cpu.so", "libLibTorchSharp.so", "libgomp-98b21ff3.so.1" })
            Write(Publish, f, $"fake {f}\n");
        Write(Runtime, "dotnet", "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(Runtime, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Write(Runtime, "host/fxr/10.0.12/libhostfxr.so", "fxr\n");
        Write(Runtime, "shared/Microsoft.NETCore.App/10.0.12/System.Private.CoreLib.dll", "corelib\n");
        Write(Runtime, "shared/Microsoft.NETCore.App/10.0.12/libmscordbi.so", "debugger\n");

        Made = MakeKit(Kit);
    }

    public KitScripts.Result MakeKit(string kit, params string[] extra) =>
        KitScripts.Bash(Repo, KitScripts.Script("make-kit"), ["--torchsharp-src", TorchSharp, "--repo", Repo, "--publish-from", Publish, "--runtime-dir", Runtime, "--out", kit, .. extra]);

    public static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    static string BranchInfo(int major, int minor, int patch) =>
        $"<Project>\n  <PropertyGroup>\n    <MajorVersion>{major}</MajorVersion>\n    <MinorVersion>{minor}</MinorVersion>\n    <PatchVersion>{patch}</PatchVersion>\n  </PropertyGroup>\n</Project>\n";

    public void Dispose() => Dir.Dispose();
}

/// <summary>Runs tools/gpu's scripts and git for the kit tests.</summary>
public static class KitScripts
{
    public sealed record Result(int ExitCode, string Output);


    static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "tools", "gpu", "make-kit"))) return d.FullName;
        throw new InvalidOperationException($"no checkout with tools/gpu/make-kit above {AppContext.BaseDirectory}");
    }

    public static string Script(string name) => Path.Combine(Root, "tools", "gpu", name);

    public static Result Bash(string cwd, string script, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("OUT");
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{script} did not finish in 120 s"); }
        return new Result(p.ExitCode, stdout + stderr.Result);
    }

    public static void Git(string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {err}");
    }
}

public class GpuKitTests(FakeKitInputs fake) : IClassFixture<FakeKitInputs>
{
    static string[] Members(string archive)
    {
        var psi = new ProcessStartInfo("tar") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-tJf", archive }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var names = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return names;
    }

    static Dictionary<string, string> Manifest(string kit) =>
        File.ReadAllLines(Path.Combine(kit, "manifest.txt")).Where(l => !l.StartsWith("archive=", StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);

    [Fact]
    public void MakeKitPacksTheTaggedNativeSourcesTheAppsWithoutCpuNativesAndThePrunedRuntime()
    {
        Assert.True(fake.Made.ExitCode == 0, fake.Made.Output);
        var m = Manifest(fake.Kit);
        Assert.Equal("0.107.0", m["torchsharp_version"]);
        Assert.Equal("v0.107.0", m["torchsharp_ref"]); // the tag, not the newer HEAD
        Assert.Equal("10.0.12", m["dotnet_runtime"]);

        var sources = Members(Path.Combine(fake.Kit, "torchsharp-native.tar.xz"));
        Assert.Contains("torchsharp/src/Native/LibTorchSharp/THSTensor.cpp", sources);
        Assert.Contains("torchsharp/LICENSE.txt", sources);
        Assert.DoesNotContain(sources, n => n.Contains("src/TorchSharp/", StringComparison.Ordinal));

        var app = Members(Path.Combine(fake.Kit, "app.tar.xz"));
        Assert.Contains("app/HeadRecon.Cli.dll", app);
        Assert.Contains("app/HeadRecon.Parity.dll", app);
        Assert.DoesNotContain(app, n => Path.GetFileName(n).StartsWith("lib", StringComparison.Ordinal) && n.Contains(".so", StringComparison.Ordinal));

        var runtime = Members(Path.Combine(fake.Kit, "runtime.tar.xz"));
        Assert.Contains("dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Private.CoreLib.dll", runtime);
        Assert.Contains("dotnet/host/fxr/10.0.12/libhostfxr.so", runtime);
        Assert.DoesNotContain(runtime, n => n.EndsWith("libmscordbi.so", StringComparison.Ordinal));

        // Sizes and digests in the manifest are those of the files.
        foreach (var line in File.ReadAllLines(Path.Combine(fake.Kit, "manifest.txt")).Where(l => l.StartsWith("archive=", StringComparison.Ordinal)))
        {
            var parts = line["archive=".Length..].Split(' ');
            var file = Path.Combine(fake.Kit, parts[0]);
            Assert.Equal(new FileInfo(file).Length, long.Parse(parts[1], CultureInfo.InvariantCulture));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), parts[2]);
        }
        Assert.Contains("travels: kit", fake.Made.Output);
        Assert.Equal(long.Parse(m["kit_bytes"], CultureInfo.InvariantCulture), new[] { "runtime.tar.xz", "app.tar.xz", "torchsharp-native.tar.xz" }.Sum(a => new FileInfo(Path.Combine(fake.Kit, a)).Length));
    }

    [Fact]
    public void MakeKitCountsUntrackedFilesThatTravelAndRefusesAKitOverTheLimit()
    {
        var noise = new byte[3 * 1024 * 1024];
        new Random(1).NextBytes(noise); // incompressible, and counted uncompressed anyway
        string big = Path.Combine(fake.Repo, "untracked.bin"), ignored = Path.Combine(fake.Repo, "ignored", "big.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(ignored)!);
        File.WriteAllBytes(ignored, noise);
        string kit = fake.Dir["kit-limit"];
        try
        {
            // Ignored files do not travel: 3 MiB of them fit a 2 MiB limit.
            var fits = fake.MakeKit(kit, "--limit-mib", "2", "--reserve-mib", "0");
            Assert.True(fits.ExitCode == 0, fits.Output);
            Directory.Delete(kit, true);

            File.WriteAllBytes(big, noise);
            var tooBig = fake.MakeKit(kit, "--limit-mib", "3", "--reserve-mib", "0");
            Assert.Equal(1, tooBig.ExitCode);
            Assert.Contains("too large", tooBig.Output);
            Assert.Contains("the kit was not written", tooBig.Output);
            Assert.False(Directory.Exists(kit));
        }
        finally
        {
            File.Delete(big);
            Directory.Delete(Path.GetDirectoryName(ignored)!, true);
        }
    }

    [Fact]
    public void MakeKitRejectsBadArgumentsAndSourcesOfAnotherVersion()
    {
        var none = Bash(fake.Repo, Script("make-kit"), []);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--torchsharp-src DIR is required", none.Output);
        Assert.Contains("git clone --branch v<version> https://github.com/dotnet/TorchSharp", none.Output);
        var unknown = Bash(fake.Repo, Script("make-kit"), ["--torchsharp-src", fake.TorchSharp, "--frobnicate"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown argument '--frobnicate'", unknown.Output);

        // HEAD is the 0.108 development version: taking it explicitly is refused, naming both versions.
        var wrong = fake.MakeKit(fake.Dir["kit-wrong"], "--torchsharp-ref", "HEAD");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("is TorchSharp '0.108.0', the project references 0.107.0", wrong.Output);
        Assert.False(Directory.Exists(fake.Dir["kit-wrong"]));
    }

    [Fact]
    public void DeviceScriptRejectsBadArguments()
    {
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--frobnicate"], "unknown argument '--frobnicate'"),
            (["--steps", "doctor,warp"], "--steps: unknown step 'warp'"),
            (["--skip", "nope"], "--skip: unknown step 'nope'"),
            (["--iterations", "1"], "--iterations needs a whole number ≥ 3"),
            (["--budget", "soon"], "--budget needs a number of seconds"),
            (["--kit"], "--kit needs a value"),
            (["--steps", "bench", "--skip", "bench"], "no step left to run"),
        })
        {
            var r = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", args);
            Assert.True(r.ExitCode == 2, $"{string.Join(' ', args)}: exit {r.ExitCode}\n{r.Output}");
            Assert.Contains(message, r.Output);
            Assert.Contains("usage: tools/gpu/run-on-gpu.sh", r.Output);
        }
        var help = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--dry-run", help.Output);
        var elsewhere = Bash(fake.Dir.Path, Path.Combine(fake.Repo, "tools/gpu/run-on-gpu.sh"), ["--dry-run"]);
        Assert.Equal(2, elsewhere.ExitCode);
        Assert.Contains("run from the repository root", elsewhere.Output);
    }

    [Fact]
    public void DryRunChecksTheKitPrintsThePlanAndBuildsNothing()
    {
        string outDir = fake.Dir["dry-out"], work = fake.Dir["dry-work"];
        var r = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--dry-run", "--kit", fake.Kit, "--out", outDir, "--work", work, "--jobs", "16"]);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("the kit is complete", r.Output);
        foreach (var step in new[] { "unpack", "probe", "shim", "doctor", "parity", "parity-cpu", "bench", "train" })
            Assert.Matches($@"(?m)^  {System.Text.RegularExpressions.Regex.Escape(step)} +timeout", r.Output);
        Assert.Contains("ninja -k 0 -j 16 LibTorchSharp", r.Output);
        Assert.Contains("st1-1024 st2-1024 render-128-st1 mc-256", r.Output);
        Assert.Contains("0.107.0 TorchSharp", r.Output);
        Assert.False(Directory.Exists(outDir));
        Assert.False(Directory.Exists(work));

        var some = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--dry-run", "--kit", fake.Kit, "--steps", "bench,doctor", "--skip", "doctor"]);
        Assert.Equal(0, some.ExitCode);
        Assert.Matches(@"(?m)^  bench +timeout", some.Output);
        Assert.DoesNotMatch(@"(?m)^  (doctor|shim|train) +timeout", some.Output);
    }

    [Fact]
    public void DryRunNamesWhatIsWrongWithABrokenKit()
    {
        string kit = fake.Dir["kit-broken"];
        CopyDirectory(fake.Kit, kit);
        File.AppendAllText(Path.Combine(kit, "app.tar.xz"), "x");
        File.Delete(Path.Combine(kit, "runtime.tar.xz"));
        File.WriteAllText(Path.Combine(kit, "notes.txt"), "left behind");
        var r = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--dry-run", "--kit", kit]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("runtime.tar.xz is missing", r.Output);
        Assert.Contains("app.tar.xz: ", r.Output);
        Assert.Contains("the manifest says", r.Output);
        Assert.Contains("holds other files (notes.txt ): carried with the kit they would travel too", r.Output);
        Assert.Contains("the kit is not usable", r.Output);

        var missing = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--dry-run", "--kit", fake.Dir["no-kit-here"]]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("manifest.txt is missing (make the kit with tools/gpu/make-kit", missing.Output);
    }

    [Fact]
    public void ARunStopsAtTheFirstFailedStepNamingItAndWritesTheJson()
    {
        string outDir = fake.Dir["run-out"], work = fake.Dir["run-work"];
        // No PyTorch here: the kit unpacks, then the probe fails and nothing after it runs.
        var r = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--kit", fake.Kit, "--out", outDir, "--work", work, "--python", "/bin/false", "--steps", "unpack,probe,shim,doctor"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("== [unpack] ok", r.Output);
        Assert.Contains("== [probe] FAILED", r.Output);
        Assert.Contains("run-on-gpu: FAILED at step 'probe'", r.Output);
        Assert.DoesNotContain("[shim]", r.Output);
        Assert.True(File.Exists(Path.Combine(work, "app", "HeadRecon.Cli.dll")));
        Assert.True(File.Exists(Path.Combine(work, "torchsharp", "src", "Native", "LibTorchSharp", "THSTensor.cpp")));

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "gpu-run.json")));
        var root = json.RootElement;
        Assert.Equal("failed at probe", root.GetProperty("result").GetString());
        Assert.Equal("0.107.0", root.GetProperty("kit").GetProperty("torchsharp_version").GetString());
        var steps = root.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("status").GetString())).ToList();
        Assert.Equal([("unpack", "ok"), ("probe", "failed")], steps);
        Assert.Contains("cannot import torch", root.GetProperty("steps")[1].GetProperty("detail").GetString());
        Assert.Contains("FAILED at step 'probe'", File.ReadAllText(Path.Combine(outDir, "gpu-run.log")));

        // The unpacked kit is reused by the next run; a budget too small for a step stops before it, saying how to go on.
        var again = Bash(fake.Repo, "tools/gpu/run-on-gpu.sh", ["--kit", fake.Kit, "--out", outDir, "--work", work, "--steps", "unpack,shim", "--budget", "30"]);
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("reused (same kit)", again.Output);
        Assert.Contains("out of time before 'shim'", again.Output);
        Assert.Contains("continue with: tools/gpu/run-on-gpu.sh --steps shim", again.Output);
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}
