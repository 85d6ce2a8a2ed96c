#!/usr/bin/env python3
"""Writes notebooks/*.ipynb from the cell lists below (the notebooks are generated: edit here, then run
`python3 notebooks/make_notebooks.py`). Cells starting with '## ' or '# ' are Markdown, the rest C#."""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))

PROFILE_CELL = '''#load "setup.csx"
using HeadRecon.Config; using HeadRecon.Data; using HeadRecon.Evaluation; using HeadRecon.Meshing;
using HeadRecon.Notebooks; using HeadRecon.Training; using HeadRecon.Visualization; using Plotly.NET; using static TorchSharp.torch;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
ws.ToString()'''

def md(text): return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n").splitlines(True)}
def code(text): return {"cell_type": "code", "execution_count": None, "metadata": {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}}, "outputs": [], "source": text.strip("\n").splitlines(True)}

def notebook(cells):
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"},
        "language_info": {"file_extension": ".cs", "mimetype": "text/x-csharp", "name": "C#", "pygments_lexer": "csharp", "version": "13.0"},
        "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"aliases": [], "name": "csharp"}]}}},
        "nbformat": 4, "nbformat_minor": 5}

NOTEBOOKS = {}
sys.path.insert(0, HERE)
from notebook_cells import NOTEBOOKS  # noqa: E402

for name, cells in NOTEBOOKS.items():
    out = [md(c[1]) if c[0] == "md" else code(PROFILE_CELL if c[1] == "PROFILE" else c[1]) for c in cells]
    with open(os.path.join(HERE, name + ".ipynb"), "w") as f:
        json.dump(notebook(out), f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", name + ".ipynb")
