using HeadRecon.Reporting;
using Xunit;

namespace HeadRecon.Tests.Reporting;

public class QuickstartReportTests
{
    [Fact]
    public void Every_heading_level_table_image_and_bold_of_the_report_becomes_html()
    {
        var html = QuickstartReport.ToHtml("# Report\n\n## Geometry\n\n| a | b |\n|---|---|\n| 1 | **2** |\n\n### Distance to every identity\n\n![views](figures/views.png)\n\n- stage 2: `met`\n");
        Assert.Contains("<h1", html);
        Assert.Contains("<h2", html);
        Assert.Contains(">Distance to every identity</h3>", html);
        Assert.DoesNotContain("###", html);
        Assert.Contains("<table>", html);
        Assert.Contains("<strong>2</strong>", html);
        Assert.Contains("<img src=\"figures/views.png\" alt=\"views\"", html);
        Assert.Contains("<li>stage 2: <code>met</code></li>", html);
        Assert.EndsWith("</body></html>\n", html);
    }
}
