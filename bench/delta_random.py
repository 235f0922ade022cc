"""Updates of random papers of a build, resolved from the kept state and by
resolving every paper: how many give the same entities, links and lineage, and
why the others fall back (docs/delta-update.md)::

    python bench/delta_random.py /tmp/b/build-10000 --papers 50 --updates 30

Each update takes ``--papers`` random papers of the build (by seed) out of it and
adds them back as new papers: the earlier build is the others, spread as a build
spreads them.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperkg.extract.resources import load_resources  # noqa: E402
from paperkg.resolve.delta import (  # noqa: E402
    Fallback,
    delta_entities,
    delta_lineage,
    delta_links,
    resolve_keeping,
    update_input,
)
from paperkg.resolve.resolver import resolve  # noqa: E402
from paperkg.resolve.spread import _without_spread, spread_names  # noqa: E402
from paperkg.state import fingerprint, load_state  # noqa: E402


def _by_paper(links) -> dict:
    grouped: dict = {}
    for link in links:
        grouped.setdefault(link.paper_key, []).append(link)
    return {paper: tuple(found) for paper, found in grouped.items()}


def one(extractions, earlier: int, resources) -> str:
    """``same``, or the reason the update falls back; raises AssertionError if the
    update resolves otherwise than resolving every paper."""
    before = spread_names(extractions[:earlier], resources.is_stopped)
    resolution, state = resolve_keeping(before, resources)
    spread = spread_names(before + extractions[earlier:], resources.is_stopped, earlier)
    try:
        update = update_input(spread, before, earlier)
        delta = delta_entities(state, update, resources)
        links = delta_links(state, delta, update)
        lineage, entities = delta_lineage(state, delta, update, resources)
    except Fallback as why:
        return f"falls back: {str(why).split(chr(39))[0].strip()}"
    full = resolve(spread, resources, spread=False, curation=False)
    merged = {paper: found for paper, found in {**_by_paper(resolution.links), **links}.items()
              if found}
    assert merged == _by_paper(full.links), "links differ"
    assert lineage == full.lineage, "lineage differs"
    assert {e.key: e for e in entities.values()} == full.entities, "entities differ"
    return "same"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("--papers", type=int, default=50)
    parser.add_argument("--updates", type=int, default=10)
    args = parser.parse_args(argv)
    resources = load_resources()
    extractions = [_without_spread(e) for e in load_state(args.build, fingerprint())]
    outcomes: Counter = Counter()
    for seed in range(args.updates):
        picked = set(random.Random(seed).sample(range(len(extractions)), args.papers))
        order = [e for i, e in enumerate(extractions) if i not in picked]
        order += [extractions[i] for i in sorted(picked)]
        outcomes[one(order, len(order) - args.papers, resources)] += 1
    for outcome, count in outcomes.most_common():
        print(f"{count:4d}  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
