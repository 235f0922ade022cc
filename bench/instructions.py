"""Count the instructions a stage executes, for comparing versions on a noisy machine.

Timings on this shared machine drift by half within an hour, and even CPU time
does (a virtual machine's stolen time counts as the process's). The number of
instructions a piece of Python executes does not drift: this script runs a stage
under valgrind's cachegrind (``--cache-sim=no``: it only counts) and prints the
instructions it took, with each version's ``src`` given on the command line.

Each version is run twice: once doing the work and once doing everything but it
(imports, reading, loading, warming up), and the difference is the stage's count.
A count is exact for one version, input and interpreter; runs a few minutes each,
as cachegrind slows Python about fifty times, so the inputs are kept small:

    apt-get install valgrind
    python bench/instructions.py extract /tmp/corpus.jsonl --src /tmp/base/src --src src
    python bench/instructions.py resolve /tmp/b/build-10000 --src /tmp/base/src --src src

``extract`` extracts ``--papers`` papers of a JSON Lines corpus after ``--warm``
others (the vocabulary of a worker that has run a while); ``read`` reads the
first ``--papers`` papers of a corpus (the build's read stage: decoding, cleaning,
identities, duplicates); ``resolve`` resolves the extractions kept in a build's
state file; ``export`` writes a pickled graph (``bench/exports.py graph``) as
Turtle, JSON-LD and GraphML in this process (no helper); ``setup`` makes the
extraction pipeline, what each worker of a build and each command that extracts
does first (``INPUT`` is ignored: give ``-``). The curated names' token-hash cache
is off unless ``PAPERKG_CACHE_DIR`` names a folder (a warm one counts a warm start).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _stage(argv: list[str]) -> None:
    """The stage itself, as run under cachegrind: ``extract CORPUS PAPERS WARM DO``,
    ``read CORPUS PAPERS DO``, ``resolve BUILD DO``, ``export GRAPH DO`` or ``setup -
    DO`` (``DO`` 0 or 1)."""
    import paperkg

    print(f"paperkg from {Path(paperkg.__file__).resolve().parent.parent}", file=sys.stderr)
    if argv[0] == "extract":
        from paperkg.extract.pipeline import Extractor
        from paperkg.ingest import read_inputs

        corpus, papers, warm, work = argv[1], int(argv[2]), int(argv[3]), argv[4] == "1"
        subset = Path(os.environ["PAPERKG_BENCH_TMP"]) / "subset.jsonl"
        with open(corpus, encoding="utf-8") as source:
            subset.write_text("".join(islice(source, warm + papers)), encoding="utf-8")
        read = read_inputs([str(subset)]).papers
        extractor = Extractor()
        extractor.extract(read[:warm])
        if work:
            extractor.extract(read[warm:])
    elif argv[0] == "read":
        from paperkg.ingest import read_inputs

        subset = Path(os.environ["PAPERKG_BENCH_TMP"]) / "subset.jsonl"
        with open(argv[1], encoding="utf-8") as source:
            subset.write_text("".join(islice(source, int(argv[2]))), encoding="utf-8")
        if argv[3] == "1":
            read_inputs([str(subset)])
    elif argv[0] == "setup":
        from paperkg.extract.pipeline import Extractor

        if argv[2] == "1":
            Extractor()
    elif argv[0] == "export":
        import pickle

        from paperkg.export.graphml import write_graphml
        from paperkg.export.rdf import write_rdf_files

        with open(argv[1], "rb") as source:
            graph = pickle.load(source)
        if argv[2] == "1":
            out = Path(os.environ["PAPERKG_BENCH_TMP"])
            write_rdf_files(graph, {"turtle": out / "graph.ttl", "json-ld": out / "graph.jsonld"})
            write_graphml(graph, str(out / "graph.graphml"))
    else:
        from paperkg.extract.resources import load_resources
        from paperkg.resolve import resolve
        from paperkg.resolve.merges import load_merges
        from paperkg.state import fingerprint, load_state

        extractions = load_state(argv[1], fingerprint(()))
        resources, merges = load_resources(()), load_merges(())
        if argv[2] == "1":
            resolve(extractions, resources, merges)


def _count(src: str, stage: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="paperkg-instructions-") as tmp:
        # one hash seed: sets and dicts of strings iterate in one order, so a count
        # repeats to the instruction (with random seeds it varies by about 0.5%)
        # no token-hash cache (paperkg.extract.hashcache) unless one is named: the
        # user's own, warm or not, would decide what ``setup`` and ``extract`` count
        env = {"PAPERKG_CACHE_DIR": "", **os.environ, "PYTHONPATH": src,
               "PAPERKG_BENCH_TMP": tmp, "PYTHONHASHSEED": "0"}
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             "--cachegrind-out-file=/dev/null", sys.executable, __file__, "--stage", *stage],
            env=env, capture_output=True, text=True, check=False)
    found = _REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"instructions: the run with {src} failed:\n{done.stderr[-2000:]}")
    # an installed paperkg may come first on the path: count the version asked for
    if f"paperkg from {Path(src).resolve()}\n" not in done.stderr:
        sys.exit(f"instructions: the run with {src} imported another paperkg:\n"
                 f"{done.stderr[:2000]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    if sys.argv[1:2] == ["--stage"]:
        _stage(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["extract", "read", "resolve", "export", "setup"])
    parser.add_argument("input",
                        help="a JSON Lines corpus (extract, read), a build folder (resolve) or "
                             "a pickled graph (export: bench/exports.py graph makes one); "
                             "- for setup")
    parser.add_argument("--src", action="append", required=True,
                        help="a version's src folder (repeat to compare versions)")
    parser.add_argument("--papers", type=int, default=300,
                        help="papers extracted (extract) or read (read)")
    parser.add_argument("--warm", type=int, default=100,
                        help="papers extracted before, not counted (extract)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("instructions: valgrind is not installed (apt-get install valgrind)")
    if args.stage == "extract":
        stages = [["extract", args.input, str(args.papers), str(args.warm), work]
                  for work in ("0", "1")]
    elif args.stage == "read":
        stages = [["read", args.input, str(args.papers), work] for work in ("0", "1")]
    else:
        stages = [[args.stage, args.input, work] for work in ("0", "1")]
    counts: dict[str, int] = {}
    for src in args.src:
        with ThreadPoolExecutor(2) as pool:  # the two runs of a version side by side
            without, with_work = pool.map(lambda stage, src=src: _count(src, stage), stages)
        counts[src] = with_work - without
        print(f"{args.stage} with {src}: {counts[src]:,} instructions "
              f"({with_work:,} - {without:,})", flush=True)
    first = counts[args.src[0]]
    for src in args.src[1:]:
        print(f"{src} / {args.src[0]}: {counts[src] / first:.3f}")


if __name__ == "__main__":
    main()
