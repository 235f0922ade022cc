"""An update made the proportional way (docs/delta-update.md), timed step by step,
its export files compared with a full build's.

The build in BUILD (made by this checkout, so that its export index is read) is
updated with the papers of NEW through the pieces ``paperkg build --update`` does
not use yet: the spread by difference, the resolution from the kept state, the
changed nodes and the export files patched from the earlier ones. The kept state
is made first from BUILD's state file (a build does not write it yet); FULL, if
given, is a full build of BUILD's inputs and NEW, whose files the patched ones must
equal::

    python bench/delta_update.py /tmp/b/build-99950 /tmp/b/last-50.jsonl --full /tmp/b/build-100000
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperkg.export.reuse import (  # noqa: E402
    GRAPHML_FILE,
    RDF_FILES,
    Reuse,
    load_index,
)
from paperkg.extract.parallel import extract_papers  # noqa: E402
from paperkg.extract.resources import load_resources  # noqa: E402
from paperkg.graph.delta import patch  # noqa: E402
from paperkg.ingest.collect import read_inputs  # noqa: E402
from paperkg.resolve.delta import (  # noqa: E402
    delta_entities,
    delta_lineage,
    delta_links,
    load_resolution_state,
    redone_papers,
    resolve_keeping,
    save_resolution_state,
    update_input,
)
from paperkg.resolve.spread import spread_update  # noqa: E402
from paperkg.state import fingerprint, load_state  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="an earlier build's output folder")
    parser.add_argument("new", help="the update's input")
    parser.add_argument("--full", type=Path, help="a full build of everything, to compare")
    args = parser.parse_args(argv)

    resources = load_resources()
    before = load_state(args.build, fingerprint())
    previous, why = load_index(args.build)
    if previous is None:
        parser.error(f"no export index to patch: {why}")
    known = {e.paper.key for e in before}
    new = extract_papers([p for p in read_inputs([args.new], "auto").papers
                          if p.key not in known])
    with tempfile.TemporaryDirectory() as scratch:
        kept = Path(scratch) / "resolution-state"
        earlier_lineage = resolve_keeping(before, resources)
        save_resolution_state(earlier_lineage[1], kept)
        earlier_lineage = earlier_lineage[0].lineage
        gc.collect()
        gc.freeze()
        gc.disable()  # as a build does while it resolves
        times = {}
        started = time.perf_counter()
        state = load_resolution_state(kept)
        times["read the kept state"] = time.perf_counter() - started
        if state.spread is None:
            parser.error(f"{args.build}'s state has papers without their words: "
                         "build it again with this paperkg")
        started = time.perf_counter()
        spread, changed = spread_update(state.spread, new,
                                        lambda places: [before[i] for i in places],
                                        resources.is_stopped)
        times["spread"] = time.perf_counter() - started
        started = time.perf_counter()
        now = list(before)
        for extraction, was in changed:
            now[state.order[was.paper.key]] = extraction
        update = update_input(now + spread, before, len(before))
        delta = delta_entities(state, update, resources)
        links = delta_links(state, delta, update)
        lineage, entities = delta_lineage(state, delta, update, resources)
        times["resolve"] = time.perf_counter() - started
        started = time.perf_counter()
        by_key = {entity.key: entity for entity in entities.values()}
        patched = patch(previous, redone_papers(update, links), links, by_key,
                        {delta.entities[root].key for root in delta.touched}, lineage,
                        earlier_lineage)
        times["changed nodes"] = time.perf_counter() - started
        started = time.perf_counter()
        out = Path(scratch) / "patched"
        out.mkdir()
        reuse = Reuse(patched.graph, patched.signature, previous, args.build)
        reuse.write_rdf(out)
        reuse.write_graphml(out)
        reuse.wait()
        times["write the files (copies)"] = time.perf_counter() - started
        print(f"earlier papers {len(before):,}; new {len(new):,}; earlier papers changed by "
              f"the spread {len(changed)}; nodes changed {len(patched.delta.changed):,} "
              f"of {len(patched.graph._node):,}")
        for step, seconds in times.items():
            print(f"  {step:<26} {seconds:6.2f} s")
        if args.full is not None:
            for name in [*RDF_FILES.values(), GRAPHML_FILE]:
                same = (out / name).read_bytes() == (args.full / name).read_bytes()
                digest = hashlib.sha256((out / name).read_bytes()).hexdigest()[:12]
                print(f"  {name:<16} {digest} {'the same as' if same else 'DIFFERS from'} "
                      "the full build's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
