[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("HeadRecon.Tests")]
