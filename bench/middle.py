"""Time the stages between extraction and the exports alone, for comparing two versions.

Resolution, building the graph and planning graph.html run in the build's process
while the second core idles, and a whole build varies by 10-20% from run to run on
a shared machine. This script loads a build's state file once and times, in one
process:

- resolution with the words each extraction kept (``words``) and with them
  dropped, so that it searches every text again (``texts``, as a state written
  before the words were kept), alternating;
- building the graph from the resolution;
- planning the view and its details panel (what the build's process does for
  graph.html; the layout runs in the helper).

It prints an MD5 of the resolution and of the graph, so that two versions can be
checked to give the same. Run it with each version's ``src`` on ``PYTHONPATH``,
alternating:

    python bench/run.py --sizes 100000 --skip-sparql --skip-baselines --out-root /tmp/b
    for i in 1 2; do for src in /tmp/base/src src; do
        PYTHONPATH=$src python bench/middle.py /tmp/b/build-100000
    done; done
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import time
from dataclasses import replace

#: the collector's thresholds during a build (paperkg.pipeline.GC_THRESHOLD)
BUILD_GC = (50_000, 20, 100)


def _seconds(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="a build folder holding .paperkg-state.jsonl.zst")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)

    import paperkg
    from paperkg.extract.resources import load_resources
    from paperkg.graph import build_graph
    from paperkg.resolve import resolve
    from paperkg.state import fingerprint, load_state
    from paperkg.view.graph_html import _details, plan_graph_html

    kept = load_state(args.build, fingerprint(()))
    texts = [replace(e, words=None) for e in kept] if hasattr(kept[0], "words") else None
    papers = [e.paper for e in kept]
    resources = load_resources(())
    gc.collect()
    gc.set_threshold(*BUILD_GC)
    print(f"paperkg from {paperkg.__file__}: {len(kept):,} papers, "
          f"{sum(getattr(e, 'words', None) is not None for e in kept):,} with their words kept")
    timings: dict[str, list[float]] = {"resolve (words)": [], "resolve (texts)": [],
                                       "graph": [], "view plan + details": []}
    resolution_md5 = graph_md5 = ""
    for _ in range(args.runs):
        # code from before the words were kept searches the texts
        runs = (("resolve (words)", kept), ("resolve (texts)", texts)) if texts is not None \
            else (("resolve (texts)", kept),)
        for name, extractions in runs:
            resolution, seconds = _seconds(resolve, extractions, resources)
            timings[name].append(seconds)
            # of the values (repr): a pickle also records which strings are one object
            resolution_md5 = hashlib.md5(repr(
                (sorted(resolution.entities.items()), resolution.links, resolution.lineage,
                 resolution.near_duplicates, resolution.ambiguous)).encode()).hexdigest()[:12]
        graph, seconds = _seconds(build_graph, papers, resolution)
        timings["graph"].append(seconds)
        digest = hashlib.md5()
        for item in (*graph.nodes(data=True), *graph.edges(keys=True, data=True)):
            digest.update(repr(item).encode())
        graph_md5 = digest.hexdigest()[:12]
        start = time.perf_counter()
        plan = plan_graph_html(graph)
        _details(graph, plan.selection, plan.links)
        timings["view plan + details"].append(time.perf_counter() - start)
        del resolution, graph, plan
        gc.collect()
    for name, values in timings.items():
        if values:
            print(f"{name:>20}: " + " / ".join(f"{v:.2f}" for v in values) + " s")
    print(f"resolution md5 {resolution_md5}, graph md5 {graph_md5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
