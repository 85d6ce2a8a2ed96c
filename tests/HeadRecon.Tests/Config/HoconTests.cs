using HeadRecon.Config;
using Xunit;

namespace HeadRecon.Tests.Config;

public class HoconTests
{
    static HoconObject P(string text) => Hocon.Parse(text, "t.conf");

    static HoconScalar S(HoconObject o, string path) => Assert.IsType<HoconScalar>(o.GetPath(path));

    static ConfException Fails(string text) => Assert.Throws<ConfException>(() => Hocon.Parse(text, "t.conf"));

    [Fact]
    public void Separators_EqualsColonAndBraceWithoutSeparator()
    {
        var o = P("a = 1\nb : 2\nc { d = 3 }\ne={f:4}\ng:{h=5}");
        Assert.Equal("1", S(o, "a").Text);
        Assert.Equal("2", S(o, "b").Text);
        Assert.Equal("3", S(o, "c.d").Text);
        Assert.Equal("4", S(o, "e.f").Text);
        Assert.Equal("5", S(o, "g.h").Text);
    }

    [Fact]
    public void Comments_HashAndDoubleSlash_AnywhereOnALine()
    {
        var o = P("# header\n// another\na = 1 # trailing\nb = x.y // trailing too\nc { # open\n  d = 2 // in object\n} # close\n");
        Assert.Equal("1", S(o, "a").Text);
        Assert.Equal("x.y", S(o, "b").Text);
        Assert.Equal("2", S(o, "c.d").Text);
        Assert.Equal(3, o.Count);
    }

    [Fact]
    public void ObjectBrace_MayStartOnTheNextLine()
    {
        var o = P("train\n{\n  a = 1\n}\nmodel # comment\n\n{ b = 2 }");
        Assert.Equal("1", S(o, "train.a").Text);
        Assert.Equal("2", S(o, "model.b").Text);
        var e = Fails("train\n a = 1");
        Assert.StartsWith("t.conf:1: train: expected '=', ':' or '{'", e.Message);
    }

    [Fact]
    public void DottedKeys_CreateNestedObjects_AndMergeWithBlocks()
    {
        var o = P("a.b.c = 1\na { b { d = 2 } }\na.e = 3");
        Assert.Equal("1", S(o, "a.b.c").Text);
        Assert.Equal("2", S(o, "a.b.d").Text);
        Assert.Equal("3", S(o, "a.e").Text);
    }

    [Fact]
    public void QuotedKey_MayContainDots()
    {
        var o = P("\"a.b\" = 1\nx.\"y.z\" = 2");
        Assert.Equal("1", ((HoconScalar)o["a.b"]!).Text);
        var x = Assert.IsType<HoconObject>(o["x"]);
        Assert.Equal("2", ((HoconScalar)x["y.z"]!).Text);
    }

    [Fact]
    public void NestedObjects_MultiLevel()
    {
        var o = P("""
            model {
                deformTempGeo_network {
                    deform_network {
                        d_in = 3
                    }
                    implicit_network { d_out = 1, bias = 0.6 }
                }
            }
            """);
        Assert.Equal("3", S(o, "model.deformTempGeo_network.deform_network.d_in").Text);
        Assert.Equal("0.6", S(o, "model.deformTempGeo_network.implicit_network.bias").Text);
    }

    [Fact]
    public void DuplicateKeys_ObjectsMerge_LaterScalarWins()
    {
        var o = P("a { x = 1, y = 2 }\na { y = 3, z = 4 }\nb = 1\nb = 2\nc = { p = 1 }\nc = 5\nd = 5\nd { q = 1 }");
        Assert.Equal("1", S(o, "a.x").Text);
        Assert.Equal("3", S(o, "a.y").Text);
        Assert.Equal("4", S(o, "a.z").Text);
        Assert.Equal("2", S(o, "b").Text);
        Assert.Equal("5", S(o, "c").Text);
        Assert.Equal("1", S(o, "d.q").Text);
    }

    [Fact]
    public void Arrays_SingleAndMultiLine_WithOrWithoutCommas()
    {
        var o = P("""
            a = [1, 2, 3]
            b = [
              1
              2,
              3,   # trailing comma and comment
            ]
            c = []
            d = [ [1, 2], [3] ]
            e = [x.y, "q r", True]
            f = [{ k = 1 }, { k = 2 }]
            """);
        Assert.Equal(["1", "2", "3"], ((HoconArray)o["a"]!).Items.Select(v => ((HoconScalar)v).Text));
        Assert.Equal(["1", "2", "3"], ((HoconArray)o["b"]!).Items.Select(v => ((HoconScalar)v).Text));
        Assert.Empty(((HoconArray)o["c"]!).Items);
        Assert.Equal(2, ((HoconArray)o["d"]!).Items.Count);
        var e = ((HoconArray)o["e"]!).Items.Cast<HoconScalar>().ToList();
        Assert.Equal(("x.y", HoconKind.String), (e[0].Text, e[0].Kind));
        Assert.Equal("q r", e[1].Text);
        Assert.Equal(HoconKind.Bool, e[2].Kind);
        Assert.Equal("2", S((HoconObject)((HoconArray)o["f"]!).Items[1], "k").Text);
    }

    [Fact]
    public void Strings_QuotedWithEscapes_UnquotedWithDotsAndSpaces_TripleQuoted()
    {
        var o = P("a = \"he said \\\"hi\\\"\\n\\u0041\"\nb = model.network.VolSDFNetwork\nc = torch.nn.L1Loss  \nd = hello world\ne = \"\"\"multi\nline \"x\" \"\"\"\nf = data/generated/heads\ng = \"http://x#y\"");
        Assert.Equal("he said \"hi\"\nA", S(o, "a").Text);
        Assert.True(S(o, "a").Quoted);
        Assert.Equal("model.network.VolSDFNetwork", S(o, "b").Text);
        Assert.Equal("torch.nn.L1Loss", S(o, "c").Text);
        Assert.Equal("hello world", S(o, "d").Text);
        Assert.Equal("multi\nline \"x\" ", S(o, "e").Text);
        Assert.Equal("data/generated/heads", S(o, "f").Text);
        Assert.Equal("http://x#y", S(o, "g").Text);
    }

    [Theory]
    [InlineData("5.0e-4", HoconKind.Number, 5.0e-4)]
    [InlineData("-1", HoconKind.Number, -1.0)]
    [InlineData("1e-6", HoconKind.Number, 1e-6)]
    [InlineData("1.0E-06", HoconKind.Number, 1e-6)]
    [InlineData("0.0001", HoconKind.Number, 1e-4)]
    [InlineData("20000", HoconKind.Number, 20000.0)]
    [InlineData("-0.3", HoconKind.Number, -0.3)]
    public void Numbers(string text, HoconKind kind, double value)
    {
        var s = S(P($"a = {text}"), "a");
        Assert.Equal(kind, s.Kind);
        Assert.Equal(value, s.DoubleValue);
    }

    [Theory]
    [InlineData("True", true)]
    [InlineData("False", false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Booleans_AnyCase(string text, bool value)
    {
        var s = S(P($"a = {text}"), "a");
        Assert.Equal(HoconKind.Bool, s.Kind);
        Assert.Equal(value, s.BoolValue);
    }

    [Fact]
    public void QuotedLiterals_StayStrings()
    {
        var o = P("a = \"1\"\nb = \"true\"\nc = 1abc\nd = null");
        Assert.Equal(HoconKind.String, S(o, "a").Kind);
        Assert.Equal(HoconKind.String, S(o, "b").Kind);
        Assert.Equal(HoconKind.String, S(o, "c").Kind);
        Assert.Equal(HoconKind.Null, S(o, "d").Kind);
    }

    [Fact]
    public void Substitutions_OfEarlierValues_AbsoluteAndInsideTheSameObject()
    {
        var o = P("""
            base { lr = 5.0e-4, dims = [256, 256] }
            train { learning_rate = ${base.lr} }
            model {
                width = 128
                inner { w = ${model.width} }
            }
            dims = ${base.dims}
            name = run_${train.learning_rate}
            """);
        Assert.Equal("5.0e-4", S(o, "train.learning_rate").Text);
        Assert.Equal(HoconKind.Number, S(o, "train.learning_rate").Kind);
        Assert.Equal("128", S(o, "model.inner.w").Text);
        Assert.Equal(2, ((HoconArray)o["dims"]!).Items.Count);
        Assert.Equal("run_5.0e-4", S(o, "name").Text);
    }

    [Fact]
    public void Substitution_OfObject_IsACopy_AndMergesWithFollowingObject()
    {
        var o = P("a { x = 1 }\nb = ${a} { y = 2 }\nb.x = 9");
        Assert.Equal("1", S(o, "a.x").Text);
        Assert.Equal("9", S(o, "b.x").Text);
        Assert.Equal("2", S(o, "b.y").Text);
        Assert.Null(o.GetPath("a.y"));
    }

    [Fact]
    public void Substitution_Optional_MissingLeavesKeyUnset_RequiredMissingFails()
    {
        var o = P("a = ${?nope_not_defined_anywhere}\nb = 1");
        Assert.Null(o["a"]);
        var e = Fails("x {\n y = ${nope_not_defined_anywhere}\n}");
        Assert.Contains("t.conf:2: x.y:", e.Message);
        Assert.Contains("nope_not_defined_anywhere", e.Message);
    }

    [Fact]
    public void PlusEquals_Appends()
    {
        var o = P("f = [a]\nf += b\ng += c");
        Assert.Equal(["a", "b"], ((HoconArray)o["f"]!).Items.Select(v => ((HoconScalar)v).Text));
        Assert.Single(((HoconArray)o["g"]!).Items);
    }

    [Fact]
    public void WindowsLineEndingsAndByteOrderMark()
    {
        var o = P("\uFEFFa {\r\n  b = hello world \r\n  c = [1,\r\n 2]\r\n}\r\nd = 3\r\n");
        Assert.Equal("hello world", S(o, "a.b").Text);
        Assert.Equal(2, ((HoconArray)o.GetPath("a.c")!).Items.Count);
        Assert.Equal(6, o["d"]!.Source.Line);
    }

    [Fact]
    public void BracedRootDocument()
    {
        var o = P("{\n  a = 1\n  b { c = 2 }\n}\n");
        Assert.Equal("2", S(o, "b.c").Text);
    }

    [Fact]
    public void Include_RelativeToTheIncludingFile()
    {
        var dir = Directory.CreateTempSubdirectory("hocon-inc").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "base.conf"), "train { num_pixels = 1024, nepochs = 10 }\nsub { k = 1 }\n");
            File.WriteAllText(Path.Combine(dir, "main.conf"), "include \"base.conf\"\ntrain.nepochs = 20\nmodel {\n  include file(\"base.conf\")\n}\n");
            var o = Hocon.ParseFile(Path.Combine(dir, "main.conf"));
            Assert.Equal("1024", S(o, "train.num_pixels").Text);
            Assert.Equal("20", S(o, "train.nepochs").Text);
            Assert.Equal("1", S(o, "model.sub.k").Text);
            Assert.EndsWith("base.conf", S(o, "train.num_pixels").Source.File);
            Assert.Equal(1, S(o, "train.num_pixels").Source.Line);

            File.WriteAllText(Path.Combine(dir, "bad.conf"), "a = 1\ninclude \"missing.conf\"\n");
            var e = Assert.Throws<ConfException>(() => Hocon.ParseFile(Path.Combine(dir, "bad.conf")));
            Assert.Contains("bad.conf:2:", e.Message);
            Assert.Contains("missing.conf", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void EveryValueRemembersFileAndLine()
    {
        var o = P("a = 1\n\n# c\nb {\n  c = [\n    1,\n    2\n  ]\n}\n");
        Assert.Equal(new ConfSource("t.conf", 1), o["a"]!.Source);
        Assert.Equal(4, o["b"]!.Source.Line);
        var c = (HoconArray)o.GetPath("b.c")!;
        Assert.Equal(5, c.Source.Line);
        Assert.Equal(7, c.Items[1].Source.Line);
    }

    [Theory]
    [InlineData("a {\n b = 1\n", 3, "a", "missing '}'")]
    [InlineData("a = \"abc\n", 1, "a", "unterminated")]
    [InlineData("a = 1 b = 2", 1, "a", "'='")]
    [InlineData("x {\n dims = [1,,2]\n}", 2, "x.dims", "','")]
    [InlineData("a = [1, 2\n", 2, "a", "missing ']'")]
    [InlineData("model {\n  num_identity 31\n}", 2, "model.num_identity", "expected '=', ':' or '{'")]
    [InlineData("a = }", 1, "a", "expected a value, got '}'")]
    [InlineData("a = 1\n}", 2, "", "unexpected '}'")]
    [InlineData("a =", 1, "a", "expected a value")]
    public void SyntaxErrors_NameFileLineAndKey(string text, int line, string key, string fragment)
    {
        var e = Fails(text);
        var prefix = key.Length > 0 ? $"t.conf:{line}: {key}: " : $"t.conf:{line}: ";
        Assert.StartsWith(prefix, e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.Equal("t.conf", e.File);
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void ToHoconWritesOneLineThatReadsBackToTheSameValue()
    {
        var o = P("a = [1, \"x y\", { b = null, \"c.d\" = 2.50 }]\ne { f = true, g = \"q\\\"uote\", h = [] , i {} }\nj = some/path");
        string text = o.ToHocon();
        Assert.DoesNotContain('\n', text);
        Assert.Equal("{ a = [1, \"x y\", { b = null, \"c.d\" = 2.50 }], e = { f = true, g = \"q\\\"uote\", h = [], i = {} }, j = \"some/path\" }", text);
        Assert.Equal(text, P(text).ToHocon());
        var inner = Assert.IsType<HoconObject>(Assert.IsType<HoconArray>(P(text)["a"]).Items[2]);
        Assert.Equal("2.50", Assert.IsType<HoconScalar>(inner["c.d"]).Text); // a quoted key with a dot stays one key; numbers keep their spelling
    }
}
