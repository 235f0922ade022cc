"""Time the export stages alone on one fixed graph, for comparing two versions.

A whole build varies by 10-20% from run to run on a shared machine, more than a
change to one export stage is worth. This script takes the graph out of the
comparison: ``graph`` resolves a build's state file once and pickles the graph;
``time`` loads it and times the RDF files (Turtle and JSON-LD), GraphML and the
HTML view, printing an MD5 of each output so that two versions can be checked
to write the same bytes; ``stage`` times the whole export stage as a build runs
it, with its helper process on or off. Run ``time`` with each version's ``src``
on ``PYTHONPATH``, alternating:

    python bench/exports.py graph /tmp/b100k /tmp/c100k.jsonl /tmp/g100k.pkl
    for i in 1 2 3; do for src in /tmp/base/src src; do
        PYTHONPATH=$src python bench/exports.py time /tmp/g100k.pkl
    done; done
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import pickle
import sys
import tempfile
import time
from pathlib import Path


def make_graph(build_dir: str, corpus: str, out: str) -> None:
    from paperkg.extract.resources import load_resources
    from paperkg.graph import build_graph
    from paperkg.ingest import read_inputs
    from paperkg.resolve import resolve
    from paperkg.resolve.merges import load_merges
    from paperkg.state import fingerprint, load_state

    extractions = load_state(build_dir, fingerprint(()))
    read = read_inputs([corpus])
    graph = build_graph(read.papers, resolve(extractions, load_resources(()), load_merges(())))
    with open(out, "wb") as stream:
        pickle.dump(graph, stream, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"{out}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def time_exports(pickled: str) -> None:
    import paperkg
    from paperkg.export.graphml import write_graphml
    from paperkg.export.rdf import write_rdf_files
    from paperkg.view.graph_html import write_graph_html

    gc.disable()  # as the build runs its exports (few collections)
    with open(pickled, "rb") as stream:
        graph = pickle.load(stream)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        stages = {
            "rdf": lambda: write_rdf_files(graph, {"turtle": out / "graph.ttl",
                                                   "json-ld": out / "graph.jsonld"}),
            "graphml": lambda: write_graphml(graph, str(out / "graph.graphml")),
            "html": lambda: write_graph_html(graph, str(out / "graph.html"), min_support=2),
        }
        figures = []
        for name, run in stages.items():
            start = time.perf_counter()
            run()
            figures.append(f"{name} {time.perf_counter() - start:.2f} s")
        digests = {path.name: _md5(path) for path in sorted(out.iterdir())}
    print(f"{Path(paperkg.__file__).parent.parent}: " + ", ".join(figures))
    print("  md5 " + " ".join(f"{name}={digest}" for name, digest in digests.items()))


def time_stage(pickled: str, helper: bool) -> None:
    """The whole export stage of a build (``paperkg.pipeline._write_all``: RDF,
    validation, GraphML, HTML), with or without its helper process."""
    from paperkg import pipeline
    from paperkg.export.report import BuildReport

    gc.set_threshold(pipeline.GC_THRESHOLD, 20, 100)  # as a build does
    with open(pickled, "rb") as stream:
        graph = pickle.load(stream)
    with tempfile.TemporaryDirectory() as tmp:
        timer = pipeline._Timer()
        start = time.perf_counter()
        pipeline._write_all(graph, Path(tmp), pipeline.BuildOptions(helper=helper),
                            BuildReport(), timer)
        wall = time.perf_counter() - start
        digests = {path.name: _md5(path) for path in sorted(Path(tmp).iterdir())}
    stages = ", ".join(f"{name} {seconds:.1f}" for name, seconds in timer.stages.items())
    print(f"helper {'on' if helper else 'off'}: {wall:.1f} s ({stages})")
    print("  md5 " + " ".join(f"{name}={digest}" for name, digest in digests.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    graph = sub.add_parser("graph", help="resolve a build's state once and pickle the graph")
    graph.add_argument("build_dir")
    graph.add_argument("corpus")
    graph.add_argument("out")
    timing = sub.add_parser("time", help="time the exports of a pickled graph")
    timing.add_argument("pickled")
    stage = sub.add_parser("stage", help="time a build's whole export stage on a pickled "
                                         "graph, with or without the helper process")
    stage.add_argument("pickled")
    stage.add_argument("--helper", choices=("on", "off"), default="on")
    args = parser.parse_args(argv)
    if args.command == "graph":
        make_graph(args.build_dir, args.corpus, args.out)
    elif args.command == "stage":
        time_stage(args.pickled, args.helper == "on")
    else:
        time_exports(args.pickled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
