"""Scale-out (src/paperkg/distributed.py; this folder is not named after the module, which
would shadow the `distributed` package): the Dask path equals the single-machine build,
and N-Triples shards bulk-load into a standalone store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperkg.pipeline import BuildOptions, build

pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")

FIXTURES = Path(__file__).parent.parent / "fixtures"
GRAPH_FILES = ("graph.ttl", "graph.jsonld", "graph.graphml")


def shards(folder: Path) -> Path:
    """Partitioned JSON Lines: three shards, one paper read twice, one bad record,
    and two files a folder may hold that are no papers (the Dask path read the
    README as a paper and failed the whole build on the .md file)."""
    lines = (FIXTURES / "papers.jsonl").read_text().splitlines()
    folder.mkdir()
    (folder / "part-0.jsonl").write_text("\n".join(lines[:2]) + "\n")
    (folder / "part-1.jsonl").write_text("\n".join([lines[2], "{oops"]) + "\n")
    (folder / "part-2.jsonl").write_text("\n".join([lines[3], lines[0]]) + "\n")
    (folder / "README.txt").write_text("These are notes about the shards.\nNothing else.\n")
    (folder / "notes.md").write_text("# Notes\n")
    return folder


def test_dask_build_equals_single_machine_build(tmp_path):
    from paperkg.distributed import build_with_dask

    data = shards(tmp_path / "shards")
    options = BuildOptions(progress=False, html=False, timings=False, jobs=1)
    single = build([data], tmp_path / "single", options)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report = build_with_dask([data], tmp_path / "dask", options, client=client)
    for name in (*GRAPH_FILES, "report.json"):  # report.json too: the same names and skips
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "single" / name).read_bytes()
    assert (report.papers, report.duplicates, len(report.skipped)) == (4, 1, 3)
    assert (single.papers, single.duplicates, len(single.skipped)) == (4, 1, 3)
    skipped = json.loads((tmp_path / "dask" / "report.json").read_text())["skipped"]
    assert [(s["file"].rsplit("/", 1)[1], s["line"]) for s in skipped] == [
        ("README.txt", None), ("notes.md", None), ("part-1.jsonl", 2)]


def test_a_dask_update_is_refused(tmp_path):
    """It ignored update=True and replaced the earlier build with the new papers alone."""
    from paperkg.distributed import build_with_dask
    from paperkg.errors import InputError

    with pytest.raises(InputError, match="a Dask build cannot --update"):
        build_with_dask([FIXTURES / "papers.jsonl"], tmp_path / "out",
                        BuildOptions(progress=False, update=True))


def test_ntriples_shards_bulk_load_into_a_standalone_store(tmp_path, small_build):
    import shutil
    import subprocess
    import sys

    import pyoxigraph
    from rdflib import Graph

    from paperkg.export.rdf import write_ntriples_shards
    from paperkg.graph import build_graph
    from paperkg.ingest import read_inputs
    from paperkg.extract.pipeline import Extractor
    from paperkg.extract.resources import load_resources
    from paperkg.resolve import resolve

    read = read_inputs([FIXTURES / "papers.jsonl"])
    graph = build_graph(read.papers, resolve(Extractor().extract(read.papers), load_resources()))
    shards = write_ntriples_shards(graph, tmp_path / "nt", triples_per_shard=100)
    assert len(shards) > 2
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    subprocess.run([binary, "load", "--location", str(tmp_path / "db"), "--file",
                    *map(str, shards)], check=True, capture_output=True, timeout=120)
    store = pyoxigraph.Store.read_only(str(tmp_path / "db"))
    out, _ = small_build
    expected = len(Graph().parse(out / "graph.ttl", format="turtle"))
    assert len(store) == expected
