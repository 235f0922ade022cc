"""``notebooks/explore.ipynb`` runs from top to bottom, so the newcomer's tour cannot rot.

The notebook is executed with nbclient in a kernel of the interpreter running
the tests (a kernelspec written for ``sys.executable`` into a temporary
``JUPYTER_PATH``, so a user-level ``python3`` kernelspec pointing at another
Python cannot get in the way). It builds the sample corpus into a temporary
folder given by ``PAPERKG_NOTEBOOK_OUT``.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec

from paperkg.query.store import run_query

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "explore.ipynb"
CHART = "top-entities-by-type.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory):
    """The notebook after running every cell, and its output folder."""
    work = tmp_path_factory.mktemp("notebook")
    out = work / "outputs"
    kernels = work / "jupyter"
    write_kernel_spec(kernels / "kernels" / "python3")  # argv[0] = sys.executable
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PAPERKG_NOTEBOOK_OUT", str(out))
        env.setenv("JUPYTER_PATH", str(kernels))
        env.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, headless
        client = nbclient.NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=300,
            resources={"metadata": {"path": str(work)}},
        )
        client.execute()  # raises CellExecutionError on the first failing cell
    return notebook, out


def _outputs(notebook) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def _text(notebook) -> str:
    parts = []
    for output in _outputs(notebook):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def test_every_cell_runs_without_error(executed):
    notebook, _out = executed
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count for c in code_cells)
    errors = [o for o in _outputs(notebook) if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]


def test_builds_into_the_folder_of_the_environment_variable(executed):
    notebook, out = executed
    assert (out / "graph.ttl").stat().st_size > 0
    assert f"output folder: {out}" in _text(notebook)
    assert "papers: 572" in _text(notebook)


def test_chart_is_saved_as_png_and_shown(executed):
    notebook, out = executed
    chart = out / CHART
    assert chart.stat().st_size > 10_000
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    shown = [o for o in _outputs(notebook) if "image/png" in o.get("data", {})]
    assert len(shown) == 1


def test_shows_the_top_benchmark_and_its_papers(executed):
    notebook, out = executed
    top = run_query(
        out,
        "SELECT ?benchmark ?label (COUNT(DISTINCT ?p) AS ?n) WHERE { ?benchmark a pk:Benchmark ; "
        "rdfs:label ?label . ?p pk:evaluatesOn ?benchmark } "
        "GROUP BY ?benchmark ?label ORDER BY DESC(?n) LCASE(?label) LIMIT 1",
    ).records()[0]
    titles = run_query(
        out,
        f"SELECT ?title WHERE {{ ?p pk:evaluatesOn <{top['benchmark']}> ; dcterms:title ?title }}",
    ).column("title")
    text = _text(notebook)
    assert f"papers evaluating on {top['label']}:" in text
    assert titles and any(title[:30] in text for title in titles)


def test_shows_a_lineage_with_its_papers(executed):
    notebook, out = executed
    with_lineage = run_query(
        out,
        "SELECT ?label (MAX(?s) AS ?support) WHERE { ?t a pk:Technique ; rdfs:label ?label ; "
        "pk:support ?s . { ?t pk:derivedFrom ?o } UNION { ?o pk:derivedFrom ?t } } "
        "GROUP BY ?t ?label ORDER BY DESC(?support) LCASE(?label)",
    ).column("label")
    name = "LoRA" if "LoRA" in with_lineage else with_lineage[0]
    text = _text(notebook)
    assert f"showing {name}" in text
    assert f"{name} (Technique)" in text
    assert f"Descendants (what derives from {name}):" in text
    assert "paper: " in text  # the papers behind the steps
    assert "depth 1" in text  # the walk over the lineage data


def test_stored_notebook_is_valid_and_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
