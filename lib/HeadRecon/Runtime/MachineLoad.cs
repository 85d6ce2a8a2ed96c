using System.Globalization;

namespace HeadRecon.Runtime;

/// <summary>What else the machine is doing and what its CPU offers: context for any timing.</summary>
public static class MachineLoad
{
    /// <summary>1-minute load average (other processes on the machine make timings noisy); NaN where unreadable.</summary>
    public static double OneMinuteAverage()
    {
        try
        {
            var t = File.ReadAllText("/proc/loadavg").Split(' ');
            return double.Parse(t[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return double.NaN; }
    }

    /// <summary>Whether /proc/cpuinfo lists <paramref name="flag"/> (e.g. avx512_bf16) for the first CPU; false where unreadable.</summary>
    public static bool HasCpuFlag(string flag)
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is not null && line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
