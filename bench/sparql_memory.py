"""The named queries on an in-memory pyoxigraph store, next to the on-disk one's figures.

    python bench/sparql_memory.py --graph DIR [--runs 3]

Loads ``DIR/graph.ttl`` into a pyoxigraph ``Store()`` held in memory and times each
named query (bound with the parameters ``bench/run.py`` uses), once with every row
and once with ``--limit 100`` as ``paperkg query`` asks for it. Prints the load
time, the peak RSS and the median milliseconds. An orientation figure for the
SPARQL target of the scale benchmark: what a different store would give.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from paperkg.query.entities import NameIndex
from paperkg.query.named import _limited, bind_params, get_named_query
from paperkg.query.store import QUERY_PREFIXES, GraphStore

#: the parameters of bench/run.py's SPARQL section
PARAMS = {
    "co-mentioned": {"entity": "Transformer"},
    "derived-from": {"entity": "GPT"},
    "entities-by-support": {},
    "entity-search": {"text": "lora"},
    "lineage": {"entity": "Vicuna"},
    "lineage-edges": {},
    "low-confidence-links": {},
    "papers-evaluating-on": {"entity": "MMLU"},
    "papers-proposing-models": {},
    "top-benchmarks": {},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, required=True, help="a build's output folder")
    parser.add_argument("--runs", type=int, default=3, help="runs per query (median)")
    args = parser.parse_args()
    with GraphStore.open(args.graph) as store:  # binds names to IRIs as the CLI does
        names = NameIndex(store)
        texts = {name: bind_params(get_named_query(name), values, names)
                 for name, values in PARAMS.items()}
        names.close()
    started = time.perf_counter()
    memory = ox.Store()
    memory.bulk_load(path=str(args.graph / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load {time.perf_counter() - started:.1f} s, peak RSS {peak:,.0f} MiB")
    print(f"{'query':26s} {'rows':>8s} {'all rows ms':>12s} {'limit 100 ms':>13s}")
    for name, text in texts.items():
        figures = []
        for sparql in (text, _limited(text, 100)):
            times, rows = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                rows = sum(1 for _row in memory.query(sparql, prefixes=QUERY_PREFIXES))
                times.append((time.perf_counter() - started) * 1000)
            figures.append((rows, statistics.median(times)))
        print(f"{name:26s} {figures[0][0]:8,d} {figures[0][1]:12.0f} {figures[1][1]:13.0f}")


if __name__ == "__main__":
    main()
