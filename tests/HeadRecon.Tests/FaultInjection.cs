using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace HeadRecon.Tests;

/// <summary>
/// Faults a user meets, made on purpose: a full disk (a tmpfs of a few hundred KiB) and an unprivileged user
/// (uid/gid 65534 through setpriv) for permission errors. Both need root; without it the tests that use them fail with
/// a message saying so (they are never skipped).
/// </summary>
public static class FaultInjection
{
    public const string Nobody = "65534:65534";

    public static void RequireRoot(string why)
    {
        if (geteuid() != 0) Assert.Fail($"{why} needs root (mount, setpriv); run the tests as root, as CI does");
    }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "900k") on <paramref name="dir"/>; unmounted on dispose.</summary>
    public static IDisposable Tmpfs(string dir, string size)
    {
        RequireRoot("a full-disk test");
        Directory.CreateDirectory(dir);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", dir);
        if (code != 0) Assert.Fail($"mount -t tmpfs on {dir} failed ({output.Trim()}): the full-disk test needs permission to mount");
        return new Unmount(dir);
    }

    /// <summary>A folder the unprivileged user may write into.</summary>
    public static string WritableByAll(string dir)
    {
        Directory.CreateDirectory(dir);
        Chmod("777", dir);
        return dir;
    }

    public static void Chmod(string mode, string path) => Assert.Equal(0, Run("chmod", mode, path).Code);

    public static int Kill(int pid, int signal) => kill(pid, signal);

    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    sealed class Unmount(string dir) : IDisposable
    {
        public void Dispose() => Run("umount", "-l", dir);
    }

    [DllImport("libc")]
    static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
