// MSBuild inline task: marks one ELF version need (Vernaux entry) as VER_FLG_WEAK.
// Works on the copy in the build output only, written as a new file (temp + rename).
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenElfVersionNeed : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            try
            {
                byte[] data = File.ReadAllBytes(path);
                int changed = Weaken(data, VersionName);
                if (changed < 0) { Log.LogMessage(MessageImportance.Low, $"{path}: no need for {VersionName}"); continue; }
                if (changed == 0) { Log.LogMessage(MessageImportance.Low, $"{path}: {VersionName} already weak"); continue; }
                string tmp = path + ".weak.tmp";
                File.WriteAllBytes(tmp, data);
                // Rename over the old entry: a hard link into the NuGet cache (if any) is never written through.
                File.Delete(path);
                File.Move(tmp, path);
                Log.LogMessage(MessageImportance.Normal, $"{path}: marked version need {VersionName} weak");
            }
            catch (Exception ex)
            {
                Log.LogError($"{path}: could not weaken {VersionName}: {ex.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    // Returns 1 if modified, 0 if already weak, -1 if the version need is absent.
    static int Weaken(byte[] d, string name)
    {
        if (d.Length < 64 || d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F') throw new InvalidDataException("not an ELF file");
        if (d[4] != 2 || d[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");
        long shoff = BitConverter.ToInt64(d, 0x28);
        int shentsize = BitConverter.ToUInt16(d, 0x3A);
        int shnum = BitConverter.ToUInt16(d, 0x3C);
        const uint SHT_GNU_verneed = 0x6ffffffe;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(d, (int)sh + 4);
            if (type != SHT_GNU_verneed) continue;
            long off = BitConverter.ToInt64(d, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(d, (int)sh + 0x28);
            uint info = BitConverter.ToUInt32(d, (int)sh + 0x2C);
            long strSh = shoff + (long)link * shentsize;
            long strOff = BitConverter.ToInt64(d, (int)strSh + 0x18);
            long vn = off;
            for (uint n = 0; n < info; n++)
            {
                int cnt = BitConverter.ToUInt16(d, (int)vn + 2);
                uint aux = BitConverter.ToUInt32(d, (int)vn + 8);
                uint next = BitConverter.ToUInt32(d, (int)vn + 12);
                long va = vn + aux;
                for (int a = 0; a < cnt; a++)
                {
                    ushort flags = BitConverter.ToUInt16(d, (int)va + 4);
                    uint nameOff = BitConverter.ToUInt32(d, (int)va + 8);
                    uint vnext = BitConverter.ToUInt32(d, (int)va + 12);
                    if (ReadCString(d, strOff + nameOff) == name)
                    {
                        if ((flags & 0x2) != 0) return 0;
                        flags |= 0x2; // VER_FLG_WEAK
                        var bytes = BitConverter.GetBytes(flags);
                        d[va + 4] = bytes[0]; d[va + 5] = bytes[1];
                        return 1;
                    }
                    va += vnext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return -1;
    }

    static string ReadCString(byte[] d, long at)
    {
        long end = at;
        while (end < d.Length && d[end] != 0) end++;
        return Encoding.ASCII.GetString(d, (int)at, (int)(end - at));
    }
}
