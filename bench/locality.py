"""How far the papers of an update reach into the earlier build's resolution.

An update that costs time proportional to its new papers can only redo what the
new papers change. This script measures what that is on a real build: it
resolves the earlier build's extractions (its state file) alone, then with the
new papers' extractions after them, spread as an update spreads them, and prints
what differs between the two resolutions, split into what only grows (a new
paper adds its mentions to a cluster, its links, its entities) and what reaches
back into the earlier papers (a name a new paper coins found in an old one, an
acronym given a second meaning that renames the old entity, clusters joined)::

    python bench/locality.py /tmp/b/build-100000 /tmp/b/update-50-seed1.jsonl

The input papers already in the build are left out, as an update leaves them.
Figures of one run are in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperkg.extract.parallel import extract_papers  # noqa: E402
from paperkg.extract.resources import load_resources  # noqa: E402
from paperkg.ingest.collect import read_inputs  # noqa: E402
from paperkg.resolve.resolver import _clusters, _Index, resolve  # noqa: E402
from paperkg.resolve.spread import spread_names  # noqa: E402
from paperkg.state import fingerprint, load_state  # noqa: E402


def _mention_roots(extractions, resources) -> dict[tuple[str, int], str]:
    """(paper, mention number) -> cluster root, for every mention."""
    index = _Index(extractions, resources, ())
    roots = index.roots()
    return {(e.paper.key, number): root for e, found in zip(extractions, roots, strict=True)
            for number, root in enumerate(found)}


def _by_paper(links) -> dict[str, list]:
    grouped = defaultdict(list)
    for link in links:
        grouped[link.paper_key].append(link)
    return grouped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="an earlier build's output folder")
    parser.add_argument("new", help="the update's input (any format paperkg reads)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    resources = load_resources()
    before = load_state(args.build, fingerprint())
    if not before:
        parser.error(f"{args.build} holds no state of this paperkg's (build it first)")
    known = {e.paper.key for e in before}
    papers = [p for p in read_inputs([args.new], "auto").papers if p.key not in known]
    added = extract_papers(papers, ())
    gc.freeze()
    print(f"earlier papers {len(before):,}; new papers {len(added):,} "
          f"(loaded and extracted in {time.perf_counter() - started:.1f} s)")

    old = resolve(before, resources, spread=False, curation=False)
    spread = spread_names(before + added, resources.is_stopped, len(before))
    respread = [e.paper.key for e, was in zip(spread, before, strict=False) if e is not was]
    new = resolve(spread, resources, spread=False, curation=False)

    # mentions of earlier papers whose cluster is another one now
    old_roots = _mention_roots(before, resources)
    new_roots = _mention_roots(spread[:len(before)], resources)
    moved = {k for k, root in old_roots.items() if new_roots.get(k) != root}
    old_clusters = _clusters(before, [tuple(old_roots[(e.paper.key, n)]
                                            for n in range(len(e.mentions))) for e in before])

    old_entities = {e.key: e for e in old.entities.values()}
    new_entities = {e.key: e for e in new.entities.values()}
    gone = sorted(set(old_entities) - set(new_entities))
    appeared = sorted(set(new_entities) - set(old_entities))
    changed = [k for k in old_entities if k in new_entities and old_entities[k] != new_entities[k]]
    fields = defaultdict(int)
    for key in changed:
        for field in ("label", "type", "kind", "aliases", "support"):
            fields[field] += getattr(old_entities[key], field) != getattr(new_entities[key], field)
    old_links, new_links = _by_paper(old.links), _by_paper(new.links)
    relinked = [p for p in old_links if old_links[p] != new_links.get(p)]
    old_lineage = {(e.child, e.parent): e for e in old.lineage}
    new_lineage = {(e.child, e.parent): e for e in new.lineage}
    lineage_changed = sum(1 for k in old_lineage if k in new_lineage
                          and old_lineage[k] != new_lineage[k])
    new_senses = sorted({short for short, _ in new.ambiguous} - {s for s, _ in old.ambiguous})
    more_senses = sorted(short for short, forms in new.ambiguous
                         if short in dict(old.ambiguous) and dict(old.ambiguous)[short] != forms)

    rows = [
        ("earlier papers changed by the spread of the new papers' names", len(respread)),
        ("earlier mentions in another cluster now", len(moved)),
        ("earlier clusters", len(old_clusters)),
        ("entities before / after", f"{len(old_entities):,} / {len(new_entities):,}"),
        ("entities new", len(appeared)),
        ("entities whose key went (renamed or joined)", f"{len(gone)} {gone[:8]}"),
        ("entities changed", f"{len(changed)} " + ", ".join(
            f"{field} {count}" for field, count in fields.items() if count)),
        ("earlier papers whose links changed", len(relinked)),
        ("lineage edges before / after / changed",
         f"{len(old_lineage):,} / {len(new_lineage):,} / {lineage_changed}"),
        ("short forms ambiguous now, not before", f"{len(new_senses)} {new_senses[:8]}"),
        ("ambiguous short forms with another meaning now", f"{len(more_senses)} {more_senses[:8]}"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
