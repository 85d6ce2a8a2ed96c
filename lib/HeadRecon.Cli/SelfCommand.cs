namespace HeadRecon.Cli;

/// <summary>How to start this very program again (the dotnet host and the CLI's assembly, or the app host): for the
/// launch-environment relaunch and for the tasks of a sweep.</summary>
public static class SelfCommand
{
    public static IReadOnlyList<string> Arguments()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this is (no process path)");
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(Program).Assembly.Location] : [self];
    }
}
