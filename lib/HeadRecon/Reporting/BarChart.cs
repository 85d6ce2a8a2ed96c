using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Reporting;

/// <summary>
/// A minimal raster bar chart for PNG reports (one bar per value, the bar's number under it, the axis range at the
/// left), beside <see cref="LineChart"/> and hand-written for the same reason. Numbers are drawn with a 3×5 pixel font,
/// so the chart reads without a font library; the table it comes with names the bars.
/// </summary>
public static class BarChart
{
    static readonly Rgb24 Ink = new(0, 0, 0);
    static readonly Rgb24 Missing = new(200, 200, 200);

    /// <summary>Bars of <paramref name="values"/> (NaN: a grey stub), coloured by <paramref name="groups"/> (same group, same colour), labelled 0…n−1 or by <paramref name="labels"/>.</summary>
    public static Image<Rgb24> Draw(IReadOnlyList<double> values, IReadOnlyList<int>? groups = null, IReadOnlyList<string>? labels = null, int height = 240, int scale = 2)
    {
        int n = values.Count;
        var finite = values.Where(double.IsFinite).ToList();
        double lo = finite.Count == 0 ? 0 : Math.Min(0, finite.Min()), hi = finite.Count == 0 ? 1 : Math.Max(0, finite.Max());
        if (hi - lo < 1e-12) hi = lo + 1;
        string top = Format(hi), bottom = Format(lo);
        int axisX = 4 + scale * 4 * Math.Max(top.Length, bottom.Length) + 4;
        int bar = Math.Max(6, Math.Min(40, 640 / Math.Max(1, n)));
        int gap = Math.Max(2, bar / 4);
        int labelHeight = scale * 6 + 4;
        int width = axisX + 8 + n * (bar + gap);
        var img = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        int y0 = 6, y1 = height - labelHeight; // plot area rows
        int Y(double v) => y1 - (int)Math.Round((v - lo) / (hi - lo) * (y1 - y0));
        for (int y = y0; y <= y1; y++) img[axisX, y] = Ink;
        for (int x = axisX; x < width; x++) img[x, Y(0)] = Ink;
        Text(img, top, 4, y0, scale);
        Text(img, bottom, 4, y1 - 5 * scale, scale);
        for (int i = 0; i < n; i++)
        {
            int x = axisX + 6 + i * (bar + gap);
            var color = double.IsFinite(values[i]) ? Palette(groups?[i] ?? 0) : Missing;
            int a = double.IsFinite(values[i]) ? Y(values[i]) : Y(0) - 2, b = Y(0);
            for (int y = Math.Min(a, b); y <= Math.Max(a, b); y++)
                for (int dx = 0; dx < bar; dx++) img[x + dx, y] = color;
            string label = labels?[i] ?? i.ToString(CultureInfo.InvariantCulture);
            int s = label.Length * 4 * scale > bar + gap ? 1 : scale;
            Text(img, label, x + Math.Max(0, (bar - label.Length * 4 * s) / 2), y1 + 3, s);
        }
        return img;
    }

    static Rgb24 Palette(int group)
    {
        Rgb24[] p = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75), new(227, 119, 194), new(127, 127, 127)];
        return p[((group % p.Length) + p.Length) % p.Length];
    }

    static string Format(double v) => Math.Abs(v) >= 1e4 || (v != 0 && Math.Abs(v) < 1e-2)
        ? v.ToString("0.0e0", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);

    // 3×5 glyphs, one row per string, '#' = ink: digits and what numbers need.
    static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['0'] = ["###", "#.#", "#.#", "#.#", "###"], ['1'] = [".#.", "##.", ".#.", ".#.", "###"],
        ['2'] = ["###", "..#", "###", "#..", "###"], ['3'] = ["###", "..#", ".##", "..#", "###"],
        ['4'] = ["#.#", "#.#", "###", "..#", "..#"], ['5'] = ["###", "#..", "###", "..#", "###"],
        ['6'] = ["###", "#..", "###", "#.#", "###"], ['7'] = ["###", "..#", ".#.", ".#.", ".#."],
        ['8'] = ["###", "#.#", "###", "#.#", "###"], ['9'] = ["###", "#.#", "###", "..#", "###"],
        ['.'] = ["...", "...", "...", "...", ".#."], ['-'] = ["...", "...", "###", "...", "..."],
        ['e'] = ["...", "###", "##.", "#..", "###"], ['+'] = ["...", ".#.", "###", ".#.", "..."],
    };

    static void Text(Image<Rgb24> img, string text, int x, int y, int scale)
    {
        foreach (char c in text)
        {
            if (Glyphs.TryGetValue(c, out var g))
                for (int r = 0; r < 5; r++)
                    for (int col = 0; col < 3; col++)
                        if (g[r][col] == '#')
                            for (int sy = 0; sy < scale; sy++)
                                for (int sx = 0; sx < scale; sx++)
                                {
                                    int px = x + col * scale + sx, py = y + r * scale + sy;
                                    if (px >= 0 && py >= 0 && px < img.Width && py < img.Height) img[px, py] = Ink;
                                }
            x += 4 * scale;
        }
    }
}
