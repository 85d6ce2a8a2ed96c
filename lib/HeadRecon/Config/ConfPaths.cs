namespace HeadRecon.Config;

/// <summary>Finds a configuration by path, or by name in confs/ of the current directory or of the checkout the program runs from.</summary>
public static class ConfPaths
{
    public static string Find(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return Path.GetFullPath(nameOrPath);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "confs", Path.GetFileName(nameOrPath));
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"{nameOrPath}: configuration not found (looked in ./confs and the checkout's confs/)", nameOrPath);
    }
}
