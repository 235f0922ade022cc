"""``paperkg build --update`` in time proportional to its new papers.

A full build keeps, besides the extractions (:mod:`paperkg.state`) and the export
index (:mod:`paperkg.export.reuse`), what an update needs to leave the earlier
papers alone: where each paper's line is in the state file, the resolution's
aggregates (:mod:`paperkg.resolve.delta`), the papers' identities, and the
near-duplicate entities by block. An update then reads its new papers, extracts
them, spreads their names over the few earlier papers that hold them, resolves
from the aggregates, writes the nodes that changed into copies of the earlier
files, and adds to the kept files. It gives the files of a full rebuild, or falls
back to the full update (:class:`~paperkg.resolve.delta.Fallback`, whose reason
``report.json`` gives) where the new papers reach back further. See
``docs/delta-update.md``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path

import orjson
import zstandard

from paperkg.commit import pending, remove_stale_staging
from paperkg.errors import BuildError
from paperkg.export.report import BuildReport
from paperkg.export.reuse import Reuse, load_index, save_index
from paperkg.extract.resources import Resources, load_resources
from paperkg.graph.delta import patch, sample_graph, sample_papers
from paperkg.helper import Helper, preload
from paperkg.ingest import ReadResult, read_inputs
from paperkg.ingest.collect import _identities, _title_only, merge
from paperkg.ingest.identity import title_key
from paperkg.layout import NEAR_FILE, PLACES_FILE, RESOLUTION_FILE, STATE_FILE, VIEW_FILE
from paperkg.records import Entity, Extraction, Link, Paper
from paperkg.resolve.curation import NearDuplicates
from paperkg.resolve.delta import (
    DeltaEntities,
    Fallback,
    ResolutionState,
    UpdateInput,
    advance_state,
    delta_entities,
    delta_lineage,
    delta_links,
    link_count_changes,
    links_of,
    load_resolution_extra,
    redone_papers,
    save_resolution_state,
)
from paperkg.resolve.merges import load_merges
from paperkg.resolve.spread import SPREAD_RULE, spread_update
from paperkg.state import Place, append_state, read_extractions, state_end
from paperkg.view.kept import ViewData, load_view_data, plan_update_view, save_view_data

log = logging.getLogger(__name__)

#: the layout of the places file: three signed 64-bit integers a paper
_PLACE_ITEMS = 3


# -- what a build keeps --------------------------------------------------------------

def save_places(path: Path, places: Sequence[Place]) -> None:
    """Write each paper's :data:`~paperkg.state.Place`, in the state's order."""
    flat = array("q", chain.from_iterable(places))
    path.write_bytes(flat.tobytes())


def load_places(path: Path, papers: int) -> list[Place] | None:
    """The places :func:`save_places` wrote, if the file holds ``papers`` of them."""
    try:
        flat = array("q")
        flat.frombytes(path.read_bytes())
    except (OSError, ValueError):
        return None
    if len(flat) != _PLACE_ITEMS * papers:
        return None
    return list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))


def paper_identities(papers: Iterable[Paper], known: dict | None = None) -> dict:
    """What tells a record of an earlier paper (as :func:`~paperkg.ingest.read_inputs`
    does): each identity other than a key, and each title key, with its first paper;
    ``known``: the table of the papers before, which ``papers`` are added to."""
    table = known or {"identities": {}, "titles": {}}
    identities, titles = table["identities"], table["titles"]
    for paper in papers:
        for identity in _identities(paper)[1:]:
            identities.setdefault(identity, paper.key)
        titles.setdefault(title_key(paper.title), paper.key)
    return table


def save_kept(staging: Path, state: ResolutionState, places: Sequence[Place],
              identities: dict, print_: str) -> None:
    """Write what the next update reads besides the state file: the places of its
    lines, and the resolution's state with the papers' identities
    (:func:`paper_identities`)."""
    save_places(staging / PLACES_FILE, places)
    save_resolution_state(state, staging / RESOLUTION_FILE,
                          {"fingerprint": print_, **identities})


def save_near(path: Path, near: NearDuplicates) -> None:
    """Write the near-duplicates by block (zstd JSON)."""
    blocks = list(near.blocks)
    row = {"blocks": [[*block, near.blocks[block], [list(p) for p in near.pairs[block]]]
                      for block in blocks]}
    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(orjson.dumps(row)))


def load_near(path: Path) -> NearDuplicates:
    """The near-duplicates :func:`save_near` wrote; ValueError if it cannot be read."""
    try:
        row = orjson.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
        blocks, pairs = {}, {}
        for entity_type, prefix, labels, found in row["blocks"]:
            blocks[(entity_type, prefix)] = labels
            pairs[(entity_type, prefix)] = [tuple(pair) for pair in found]
    except (OSError, ValueError, KeyError, TypeError, zstandard.ZstdError) as err:
        raise ValueError(f"cannot read {path.name}: {err}") from err
    return NearDuplicates(blocks, pairs)


# -- the update ------------------------------------------------------------------------

@dataclass
class _Kept:
    """An earlier build's kept files, as an update reads them."""

    state: ResolutionState
    places: dict[str, Place]
    identities: dict[str, str]
    titles: dict[str, str]
    near: NearDuplicates
    report: dict
    #: the papers' keys in the state's order
    keys: list[str]


def kept_build(out: Path, print_: str) -> _Kept:
    """The kept files of the build in ``out``; raises :class:`Fallback` where one is
    missing, damaged, or made with other resources."""
    for name in (RESOLUTION_FILE, PLACES_FILE, NEAR_FILE, STATE_FILE, "report.json"):
        if not (out / name).exists():
            raise Fallback(f"the earlier build kept no {name}")
    try:
        state, extra = load_resolution_extra(out / RESOLUTION_FILE)
        near = load_near(out / NEAR_FILE)
        report = orjson.loads((out / "report.json").read_bytes())
    except (ValueError, OSError) as err:
        raise Fallback(str(err)) from err
    if extra.get("fingerprint") != print_:
        raise Fallback("the earlier build was made with other resources or another paperkg")
    if state.spread is None:
        raise Fallback("the earlier build kept papers without their words")
    keys = list(state.order)
    places = load_places(out / PLACES_FILE, len(keys))
    if places is None:
        raise Fallback(f"{PLACES_FILE} does not match the earlier build")
    return _Kept(state, dict(zip(keys, places, strict=True)), extra["identities"],
                 extra["titles"], near, report, keys)


def read_new(inputs, fmt: str, kept: _Kept, out: Path) -> tuple[ReadResult, list[Paper], int]:
    """The update's inputs read alone, their papers that are not the earlier build's,
    and how many are records of an earlier paper (duplicates); raises
    :class:`Fallback` if a record would change an earlier paper."""
    read = read_inputs(inputs, fmt)
    new, again = [], {}
    for paper in read.papers:
        earlier = _earlier_paper(paper, kept)
        if earlier is None:
            new.append(paper)
        else:
            again[earlier] = paper
    if again:
        stored = read_extractions(out / STATE_FILE, {key: kept.places[key] for key in again})
        for key, paper in again.items():
            first = stored[key].paper
            if merge(first, paper) is not first or (first.title, first.abstract) != (
                    paper.title, paper.abstract) or any(f"({paper.key})" in w or
                                                        f"({key})" in w for w in read.warnings):
                raise Fallback(f"a record of the earlier paper {key} adds to it")
    return read, new, len(again)


def _earlier_paper(paper: Paper, kept: _Kept) -> str | None:
    """The key of the earlier paper ``paper`` is a record of, if any."""
    for identity in _identities(paper):
        if identity in kept.state.order:
            return identity
        found = kept.identities.get(identity)
        if found is not None:
            return found
    found = kept.titles.get(title_key(paper.title))
    if found is not None and (_title_only(paper) or found.startswith("title:")):
        return found
    return None


def resolve_update(kept: _Kept, new: list[Extraction], out: Path, resources: Resources,
                   merges) -> tuple[UpdateInput, DeltaEntities, dict, tuple, dict]:
    """The update's resolution from the kept state: its input, entities, links by
    paper, lineage, and every entity by key (with the checkpoint parents)."""
    state = kept.state

    def read(keys: Iterable[str]) -> dict[str, Extraction]:
        return read_extractions(out / STATE_FILE, {key: kept.places[key] for key in keys})

    def read_at(places: list[int]) -> list[Extraction]:
        found = read(kept.keys[i] for i in places)
        return [found[kept.keys[i]] for i in places]

    spread, changed = spread_update(state.spread, new, read_at, resources.is_stopped)
    update = UpdateInput(spread, changed, read)
    delta = delta_entities(state, update, resources, merges)
    links = delta_links(state, delta, update)
    lineage, entities = delta_lineage(state, delta, update, resources)
    by_key = {entity.key: entity for entity in entities.values()}
    return update, delta, links, lineage, by_key


def typed_labels(entities: Iterable[Entity]) -> Counter:
    """Each (type, label) the near-duplicates look at, counted."""
    return Counter((entity.type.value, entity.label) for entity in entities)


def near_changes(near: NearDuplicates, entities: Iterable[Entity]) -> NearDuplicates:
    """``near`` once its labels are those of ``entities``."""
    before = Counter((block[0], label) for block, labels in near.blocks.items()
                     for label in labels)
    now = Counter((entity_type, label) for entity_type, label in typed_labels(entities).elements()
                  if _has_block(entity_type, label))
    removed = list((before - now).elements())
    added = list((now - before).elements())
    return near.changed(removed, added)


def _has_block(entity_type: str, label: str) -> bool:
    from paperkg.resolve.curation import _block

    return _block(entity_type, label) is not None


def update(inputs, out: Path, options, timer, report: BuildReport, print_: str,
           early=None, done: dict | None = None) -> BuildReport:
    """Add ``inputs`` to the build in ``out`` from its kept files; raises
    :class:`Fallback` (before anything is written) where the full update must run
    instead. ``options``, ``timer``: the build's (:mod:`paperkg.pipeline`); ``early``:
    its papers being extracted in a helper; ``done``: filled with the new papers'
    extractions, for the full update to take if this one falls back."""
    from paperkg.pipeline import HELPER_MIN_PAPERS, _extract, _validate, report_and_commit

    resources = load_resources(options.resource_dirs)
    merges = load_merges(options.resource_dirs)
    with timer.stage("load-state"):
        kept = kept_build(out, print_)
        view = _view_data(out, options.html)
        previous, why = load_index(out)
        if previous is None:
            raise Fallback(why)
        if not previous.checked and options.validate != "off":
            raise Fallback("the earlier build's nodes were not checked")
        end = state_end(out)
        if end is None:
            raise Fallback(f"{STATE_FILE} has no count to add to")
    state = kept.state
    with timer.stage("read"):
        read, new_papers, again = read_new(inputs, options.fmt, kept, out)
    report.files = list(read.files)
    report.records, report.duplicates = read.records, read.duplicates + again
    report.add_skips(read.skips)
    report.warnings = list(read.warnings)
    with timer.stage("extract"):
        new = _extract(new_papers, [], options, report, early)
    if done is not None:
        done.update((e.paper.key, e) for e in new)
    report.update = {"path": "proportional: only what the new papers change was made again",
                     "papers_before": state.papers, "reused": state.papers,
                     "extracted": len(new)}
    with timer.stage("resolve"):
        update_in, delta, links, lineage, entities = resolve_update(kept, new, out, resources,
                                                                    merges)
        counts = link_count_changes(state, delta, update_in, links)
        earlier_lineage = state.lineage
        remade = {delta.entities[root].key for root in delta.touched}
        redone = redone_papers(update_in, links)
        patched = patch(previous, redone, links, entities, remade, lineage, earlier_lineage)
    rules = Counter(kept.report.get("mentions_by_rule", {}))
    rules.update(m.rule for e in update_in.new for m in e.mentions if m.rule != SPREAD_RULE)
    report.mentions_by_rule = dict(sorted(rules.items()))
    report.papers = state.papers + len(update_in.new)
    report.entities = dict(sorted(Counter(e.type.value for e in entities.values()).items()))
    edges = Counter(kept.report.get("edges", {}))
    edges.update(counts)
    edges["derivedFrom"] = len(lineage)
    report.edges = {relation: n for relation, n in sorted(edges.items()) if n}
    report.ambiguous = [{"short_form": k, "long_forms": list(v)}
                        for k, v in sorted(delta.ambiguous.items())]
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=out))
    reuse = Reuse(patched.graph, patched.signature, previous, out)
    changed = [now for now, _ in update_in.changed] + list(update_in.new)
    use_helper = (options.helper if options.helper is not None
                  else report.papers >= HELPER_MIN_PAPERS)
    try:
        # the helper lays the page out and runs pyshacl while this process copies
        with Helper(enabled=use_helper) as helper:
            helper.submit(preload, "paperkg.view.layout", "paperkg.export.shacl")
            with timer.stage("state"):  # the state the next update starts from
                next_state = advance_state(state, delta, update_in, lineage,
                                           resources.is_stopped)
            page = layout = None
            if view is not None:
                with timer.stage("html"):
                    view.redo((e.paper for e in changed), links)
                    if options.html:
                        page = plan_update_view(
                            view, entities, next_state.entities, next_state.papers_of,
                            lineage, partial(_drawn, kept, update_in, delta, links, out),
                            min_support=options.html_min_support)
                        function, args, kwargs = page.layout_call
                        layout = helper.submit(function, *args, **kwargs)
            try:
                with timer.stage("rdf"):
                    report.triples = reuse.write_rdf(staging, background=True)
                with timer.stage("graphml"):
                    reuse.write_graphml(staging, background=True)
                    reuse.wait()
            except OSError as err:  # the full update formats the text it cannot copy
                raise Fallback(f"copying from the earlier files failed ({err})") from err
            with timer.stage("state"):
                places: list[Place] = []
                append_state(staging / STATE_FILE, out / STATE_FILE, end, changed,
                             report.papers, places)
                kept.places.update((e.paper.key, place)
                                   for e, place in zip(changed, places, strict=True))
            with timer.stage("validate"):
                validation = _validate(  # the changed nodes and what they link to
                    patched.delta.graph, staging / "graph.ttl", options.validate,
                    report.triples, helper, changed=reuse.changed(),
                    sample=lambda: _sample(kept, update_in, delta, links, entities, lineage,
                                           out))
            with timer.stage("graphml"):
                index = reuse.index()
                if index is None:
                    raise BuildError("the patched graph's nodes are out of order")
                index.checked = options.validate != "off"
                save_index(index, staging)
            report.update["state"] = (f"added the extractions of {len(changed):,} of "
                                      f"{report.papers:,} papers to the earlier state")
            report.update["exports"] = (f"copied the text of {reuse.count:,} of "
                                        f"{len(reuse.order):,} nodes from the earlier files")
            with timer.stage("resolve"):
                near = near_changes(kept.near, entities.values())
                report.add_near_duplicates(near.top())
            with timer.stage("state"):
                identities = paper_identities((e.paper for e in update_in.new), {
                    "identities": kept.identities, "titles": kept.titles})
                save_kept(staging, next_state, [kept.places[key] for key in next_state.order],
                          identities, print_)  # the order's keys come in the papers' order
                save_near(staging / NEAR_FILE, near)
                if view is not None:
                    save_view_data(staging / VIEW_FILE, view)
            if page is not None:
                with timer.stage("html"):
                    stats = page.write(staging / "graph.html", layout.result())
                    report.html = {k: getattr(stats, k) for k in stats.__dataclass_fields__}
            with timer.stage("validate"):
                report.validation = validation()
        report_and_commit(report, timer, options, staging, out)
    finally:
        reuse.abandon()
        if not pending(out, staging):
            shutil.rmtree(staging, ignore_errors=True)
    return report


def _view_data(out: Path, html: bool) -> ViewData | None:
    """The earlier build's data for graph.html, or None where it kept none (an
    update that draws the page then falls back)."""
    path = out / VIEW_FILE
    try:
        if not path.exists():
            raise ValueError(f"the earlier build kept no {VIEW_FILE}")
        return load_view_data(path)
    except ValueError as err:
        if html:
            raise Fallback(str(err)) from err
        return None


def _papers_with_links(kept: _Kept, update_in: UpdateInput, delta: DeltaEntities, links: dict,
                       out: Path, keys: list[str]) -> list[tuple[Paper, tuple[Link, ...]]]:
    """The records and links of the papers of ``keys`` in the updated build: the new
    and changed papers' from the update, the others' read from the earlier state;
    their links ``links`` (the redone papers') or made again from their mentions."""
    fresh = {e.paper.key: e for e in chain(update_in.new, (now for now, _ in update_in.changed))}
    others = [key for key in keys if key not in fresh]
    read = read_extractions(out / STATE_FILE, {key: kept.places[key] for key in others}) \
        if others else {}
    extractions = [fresh.get(key) or read[key] for key in keys]
    found = dict(links)
    found.update(links_of(delta, [e for e in extractions if e.paper.key not in found],
                          delta.entities))
    return [(e.paper, tuple(found[e.paper.key])) for e in extractions]


def _drawn(kept: _Kept, update_in: UpdateInput, delta: DeltaEntities, links: dict, out: Path,
           keys: list[str]) -> dict[str, tuple[Paper, tuple[Link, ...]]]:
    """The records and links of the papers of ``keys``, which the updated page draws
    and the earlier did not."""
    return {paper.key: (paper, found) for paper, found
            in _papers_with_links(kept, update_in, delta, links, out, keys)}


def _sample(kept: _Kept, update_in: UpdateInput, delta: DeltaEntities, links: dict,
            entities: dict, lineage, out: Path):
    """The graph of the SHACL sample of the updated build."""
    keys = sample_papers(chain(kept.keys, (e.paper.key for e in update_in.new)))
    sampled = _papers_with_links(kept, update_in, delta, links, out, keys)
    return sample_graph([paper for paper, _ in sampled],
                        {paper.key: found for paper, found in sampled}, entities, lineage)
