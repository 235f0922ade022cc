"""How many entity IRIs survive when papers are added to a build.

    python bench/iri_stability.py /tmp/pkb-new/corpus-100000-seed0.jsonl --papers 30000

Reads the first ``--papers`` papers of a corpus, extracts them, and resolves the
first half alone and then all of them, as ``paperkg build`` and ``paperkg build
--update`` with the second half would. Counts the entity keys (the last part of
each entity IRI) of the first resolution that no longer name the same entity in
the second. A key is gone when no entity has it any more, sorted into what became
of its entity:

- joined: its own names (those no other entity has) now belong to an entity that
  had another key before;
- renamed: its own names belong to one entity, with a key that is new;
- split: its own names are now spread over several entities.

A key is reassigned when an entity still has it but shares no name with the entity
that had it before, leaving aside names several entities have (the numbers of a
short form's meanings shifted: ``spo-2`` now names another meaning of SPO).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter

from paperkg.extract.parallel import extract_all
from paperkg.extract.resources import load_resources
from paperkg.ingest import read_inputs
from paperkg.resolve import resolve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="a JSON Lines corpus (bench/generate.py writes them)")
    parser.add_argument("--papers", type=int, default=30000,
                        help="papers to read from the corpus (default 30000)")
    parser.add_argument("--show", type=int, default=10, help="changed keys to list")
    args = parser.parse_args(argv)

    gc.set_threshold(50_000, 20, 100)
    start = time.perf_counter()
    papers = list(read_inputs([args.corpus]).papers)[: args.papers]
    extractions = list(extract_all(papers))
    resources = load_resources()
    half = len(extractions) // 2
    before = resolve(extractions[:half], resources)
    after = resolve(extractions, resources)
    keys_after = {entity.key for entity in after.entities.values()}
    keys_before = {entity.key for entity in before.entities.values()}
    # a short form with several meanings is the label of each: an entity is followed
    # by its own names, those no other entity of the same resolution has
    shared = {name for resolution in (before, after)
              for name, n in Counter(n for e in resolution.entities.values()
                                     for n in {e.label, *e.aliases}).items() if n > 1}
    holders: dict[str, set[str]] = {}
    for entity in after.entities.values():
        for name in {entity.label, *entity.aliases}:
            holders.setdefault(name, set()).add(entity.key)

    gone = sorted((e for e in before.entities.values() if e.key not in keys_after),
                  key=lambda e: e.key)
    kinds: Counter = Counter()
    examples = []
    for entity in gone:
        own = ({entity.label, *entity.aliases} - shared) or {entity.label}
        now = set().union(*(holders.get(name, set()) for name in own))
        if len(now) == 1:
            kind = "joined" if now <= keys_before else "renamed"
        else:
            kind = "split" if now else "vanished"
        kinds[kind] += 1
        examples.append(f"  {kind:8s} {entity.key} ({entity.label}) -> {', '.join(sorted(now))}")
    names_after = {e.key: {e.label, *e.aliases} - shared for e in after.entities.values()}
    moved = sorted(e.key for e in before.entities.values() if e.key in names_after
                   and (own := {e.label, *e.aliases} - shared) and names_after[e.key]
                   and not names_after[e.key] & own)
    examples += [f"  reassigned {key}" for key in moved]
    print(f"{len(papers):,} papers ({half:,} first), {time.perf_counter() - start:.0f} s")
    print(f"entity keys of the first {half:,} papers: {len(keys_before):,}; after adding "
          f"the rest, gone: {len(gone):,} ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})"
          f"; reassigned to another entity: {len(moved):,}")
    print("\n".join(examples[: args.show]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
