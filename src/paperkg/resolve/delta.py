"""What a cluster's entity is made from, kept so an update can add mentions to it.

:func:`paperkg.resolve.resolver.resolve` makes each cluster's entity from all of
its mentions at once. An update's new papers come after the earlier ones, so the
mentions they add to a cluster come after its earlier ones: the entity is then a
function of a few aggregates of the earlier mentions (:class:`ClusterStats`) and
of the new mentions (the type votes are counted confidences, summed exactly, so an
earlier paper's mention the spread adds may be counted out of order). See
``docs/delta-update.md``.

>>> from paperkg.extract.resources import load_resources
>>> from paperkg.records import EntityType, Mention
>>> def m(paper, text, **kw):
...     return Mention(paper, text, EntityType.TECHNIQUE, "named", "abstract", 0, len(text),
...                    "...", "acronym", 0.9, **kw)
>>> stats = ClusterStats()
>>> stats.add(m("p1", "SPERO", aliases=("Sparse Expert Routing",)))
>>> stats.add(m("p2", "Sparse Expert Routing"))
>>> entity, key_name = stats.draft(load_resources())
>>> entity.label, entity.aliases, entity.support, key_name
('SPERO', ('Sparse Expert Routing',), 2, ('spero', False))
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import zstandard

from paperkg.extract.resources import Resources
from paperkg.extract.text import name_key
from paperkg.records import (
    Entity,
    EntityType,
    Extraction,
    Lineage,
    Link,
    Mention,
    Paper,
    Resolution,
)
from paperkg.resolve.clusters import Acronyms
from paperkg.resolve.lineage import Stated, lineage_from, stated
from paperkg.resolve.spread import SPREAD_RULE, SpreadState
from paperkg.state import _mention as _mention_of
from paperkg.state import _mention_row
from paperkg.vocab import slug

if TYPE_CHECKING:
    from paperkg.resolve.resolver import _Index

_RESOURCE_ID, _TEXT, _ALIASES, _KIND, _PAPER_KEY, _TYPE, _CONFIDENCE, _EVALUATED_ON, _RULE = (
    attrgetter(name) for name in ("resource_id", "text", "aliases", "kind", "paper_key", "type",
                                  "confidence", "evaluated_on", "rule"))


class ClusterStats:
    """Aggregates of a cluster's mentions, in their order, from which its entity is
    made exactly as :func:`paperkg.resolve.resolver._entity` makes it from them."""

    __slots__ = ("resource_id", "surfaces", "shorts", "aliases", "named", "mentions",
                 "evaluated", "votes", "confident", "papers", "last_paper", "long_key")

    def __init__(self) -> None:
        #: the first mention's curated id (a non-empty one)
        self.resource_id: str | None = None
        #: each name -> its mentions, in the order of each name's first mention
        self.surfaces: dict[str, int] = {}
        #: the short forms the cluster's papers define
        self.shorts: set[str] = set()
        #: the other names the mentions give
        self.aliases: set[str] = set()
        #: some mention is of a coined name
        self.named = False
        self.mentions = 0
        #: mentions of a paper that evaluates on it
        self.evaluated = 0
        #: each type -> its mentions' confidences, counted
        self.votes: dict[EntityType, Counter] = {}
        #: some mention has a confidence above zero
        self.confident = False
        #: distinct papers: a paper's mentions of a cluster come one after another
        self.papers = 0
        self.last_paper: str | None = None
        #: the smallest name key of the long forms the cluster's short forms stand for
        self.long_key = ""

    def add(self, mention: Mention) -> None:
        """Count ``mention``, the next of the cluster's mentions in order."""
        if self.resource_id is None and mention.resource_id:
            self.resource_id = mention.resource_id
        text = mention.text
        self.surfaces[text] = self.surfaces.get(text, 0) + 1
        aliases = mention.aliases
        if mention.rule == "acronym" and aliases and len(text) < len(aliases[0]):
            self.shorts.add(text)  # a short form the text defines
            if key := name_key(aliases[0]):
                self.long_key = key if not self.long_key else min(self.long_key, key)
        self.aliases.update(aliases)
        self.named = self.named or mention.kind == "named"
        self.mentions += 1
        self.evaluated += mention.evaluated_on
        counts = self.votes.get(mention.type)
        if counts is None:
            counts = self.votes[mention.type] = Counter()
        counts[mention.confidence] += 1
        self.confident = self.confident or bool(mention.confidence)
        if mention.paper_key != self.last_paper:
            self.papers += 1
            self.last_paper = mention.paper_key

    def insert(self, mention: Mention, *, new_paper: bool) -> None:
        """Count ``mention``, of a paper before the cluster's last one (the spread
        of an update's names added it to an earlier paper); ``new_paper``: the
        cluster has no other mention of that paper. Its name must be one the
        cluster has: the order of the names' first mentions would change."""
        if mention.text not in self.surfaces:
            raise Fallback(f"a new name in the middle of the cluster of {mention.text!r}")
        last_paper = self.last_paper
        self.add(mention)
        self.papers += new_paper - (mention.paper_key != last_paper)
        self.last_paper = last_paper

    @classmethod
    def of(cls, mentions: Sequence[Mention]) -> ClusterStats:
        """The aggregates of ``mentions``, a cluster's, in order: as :meth:`extend`
        makes them, by C functions mapped over the mentions (the largest clusters
        have tens of thousands)."""
        stats = cls()
        if len(mentions) == 1:
            return stats.extend(mentions)
        stats.resource_id = next(filter(None, map(_RESOURCE_ID, mentions)), None)
        stats.surfaces = Counter(map(_TEXT, mentions))
        if "acronym" in map(_RULE, mentions):  # most clusters: no short form defined
            for mention in mentions:
                aliases, text = mention.aliases, mention.text
                if mention.rule == "acronym" and aliases and len(text) < len(aliases[0]):
                    stats.shorts.add(text)
                    if key := name_key(aliases[0]):
                        stats.long_key = min(stats.long_key, key) if stats.long_key else key
        stats.aliases = set(chain.from_iterable(map(_ALIASES, mentions)))
        stats.named = "named" in map(_KIND, mentions)
        stats.mentions = len(mentions)
        stats.evaluated = sum(map(_EVALUATED_ON, mentions))
        types = set(map(_TYPE, mentions))
        if len(types) == 1:  # most clusters
            stats.votes = {types.pop(): Counter(map(_CONFIDENCE, mentions))}
        else:
            for (entity_type, confidence), count in Counter(
                    zip(map(_TYPE, mentions), map(_CONFIDENCE, mentions), strict=True)).items():
                stats.votes.setdefault(entity_type, Counter())[confidence] = count
        stats.confident = any(map(_CONFIDENCE, mentions))
        stats.papers = len(set(map(_PAPER_KEY, mentions)))
        stats.last_paper = mentions[-1].paper_key
        return stats

    def copy(self) -> ClusterStats:
        other = ClusterStats()
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        other.surfaces = dict(self.surfaces)
        other.votes = {t: Counter(counts) for t, counts in self.votes.items()}
        other.shorts, other.aliases = set(self.shorts), set(self.aliases)
        return other

    def extend(self, mentions: Iterable[Mention]) -> ClusterStats:
        for mention in mentions:
            self.add(mention)
        return self

    def draft(self, resources: Resources) -> tuple[Entity, tuple[str, bool]]:
        """The cluster's entity, its key still empty, and the name its key is made
        from: what ``_entity`` makes of the same mentions."""
        from paperkg.resolve.resolver import _draft, _key_name, _label

        known = resources.lookup(self.resource_id) if self.resource_id else None
        label = known.name if known else _label(self.surfaces, self.shorts)
        kind = "named" if self.named or (known is not None and known.kind == "named") \
            else "concept"
        return _draft(set(self.surfaces) | self.aliases, label, self._type(known), kind,
                      self.papers, _key_name(self.resource_id, self.shorts, self.surfaces))

    def _type(self, known) -> EntityType:
        if known is not None:
            if known.type is EntityType.DATASET and self.evaluated * 2 > self.mentions:
                return EntityType.BENCHMARK
            return known.type
        from paperkg.resolve.resolver import voted_type

        if len(self.votes) == 1 and self.confident:
            return next(iter(self.votes))
        return voted_type(self.votes)


class Fallback(Exception):
    """An update's papers reach back into the earlier resolution where aggregates
    cannot follow (the message says how): the update resolves every paper."""


@dataclass
class ResolutionState:
    """What the resolution of an update starts from: the earlier build's."""

    #: the earlier papers
    papers: int
    #: each earlier paper's key -> its place in their order
    order: dict[str, int]
    #: the user's merges the earlier resolution used
    merges: tuple[tuple[str, ...], ...]
    acronyms: Acronyms
    #: the earlier acronym senses (:func:`~paperkg.resolve.clusters.acronym_senses`)
    senses: dict[tuple[str, str], str]
    ambiguous: dict[str, tuple[str, ...]]
    #: every union-find node -> its cluster's root
    parent: dict[str, str]
    #: each cluster's root -> its aggregates, draft entity and its key name's slug
    clusters: dict[str, ClusterStats]
    drafts: dict[str, tuple[Entity, tuple[str, bool]]]
    bases: dict[str, str]
    #: each cluster's entity, by root
    entities: dict[str, Entity]
    #: each cluster's papers, in order
    papers_of: dict[str, list[str]]
    #: what the papers state about lineage, in their order (:func:`~.lineage.stated`)
    stating: list[Stated]
    #: each label's naming parents (see :func:`~.lineage.lineage_from`)
    names: dict[tuple[str, bool], tuple[str, ...]]
    #: every lineage edge of the earlier build
    lineage: tuple[Lineage, ...] = ()
    #: the names the earlier papers coined and their words (None: not kept)
    spread: SpreadState | None = None


def resolve_keeping(extractions: Sequence[Extraction], resources: Resources,
                    merges: Sequence[Sequence[str]] = ()) -> tuple[Resolution, ResolutionState]:
    """:func:`~paperkg.resolve.resolver.resolve` of ``extractions`` (spread already;
    no near-duplicates), and the state it leaves for the next update."""
    from paperkg.resolve.resolver import (
        _clusters,
        _Index,
        _links,
        assign_keys,
        curated_slugs,
        keyed,
    )

    acronyms = Acronyms().add(extractions)
    index = _Index(extractions, resources, merges, senses=acronyms.senses())
    find = index.sets.find
    parent = {node: find(node) for node in index.sets.parent}
    roots = index.roots()
    stating = [said for e, found in zip(extractions, roots, strict=True)
               if (said := stated(e, found)) is not None]
    mentions_of = _clusters(extractions, roots)
    clusters = {root: ClusterStats.of(mentions) for root, mentions in mentions_of.items()}
    papers_of = {root: list(dict.fromkeys(map(_PAPER_KEY, mentions)))
                 for root, mentions in mentions_of.items()}
    del mentions_of
    drafts = {root: stats.draft(resources) for root, stats in clusters.items()}
    bases = {root: slug(name) for root, (_, (name, _)) in drafts.items()}
    keys = assign_keys(drafts, bases, lambda root: clusters[root].long_key,
                       curated_slugs(resources))
    entities = {root: keyed(drafts[root][0], key) for root, key in keys.items()}
    links = _links(extractions, roots, entities)
    names: dict[tuple[str, bool], tuple[str, ...]] = {}
    lineage, with_parents = lineage_from(entities, stating, _PapersOf(papers_of, {}), resources,
                                         find, names)
    resolution = Resolution(
        entities={entity.key: entity for entity in with_parents.values()}, links=links,
        lineage=lineage, near_duplicates=(), ambiguous=tuple(sorted(index.ambiguous.items())))
    return resolution, ResolutionState(
        len(extractions), {e.paper.key: i for i, e in enumerate(extractions)},
        _merges(merges), acronyms, index.senses, index.ambiguous, parent,
        clusters, drafts, bases, entities, papers_of, stating, names, lineage,
        _spread_state(extractions, resources))


def _spread_state(extractions: Sequence[Extraction], resources: Resources) -> SpreadState | None:
    try:
        return SpreadState.of(extractions, resources.is_stopped)
    except ValueError:  # a paper kept without its words (an older state): no spread kept
        return None


def resolution_state(extractions: Sequence[Extraction], resources: Resources,
                     merges: Sequence[Sequence[str]] = ()) -> ResolutionState:
    """The state a full resolution of ``extractions`` leaves for the next update."""
    return resolve_keeping(extractions, resources, merges)[1]


def _merges(merges: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in merges)


@dataclass
class DeltaEntities:
    """The entities of the earlier papers and an update's, by cluster root, and
    the roots whose entity the update made again (new mentions, or a new key)."""

    entities: dict[str, Entity]
    touched: set[str]
    ambiguous: dict[str, tuple[str, ...]]
    #: the union-find of the earlier and new papers' names
    index: _Index | None = None
    #: the mentions the update adds, by paper, in the order of ``index.nodes``
    delta: list[Extraction] = field(default_factory=list)
    #: the aggregates and drafts of the clusters the update's mentions land in
    stats: dict[str, ClusterStats] = field(default_factory=dict)
    drafts: dict[str, tuple[Entity, tuple[str, bool]]] = field(default_factory=dict)
    #: the union-find nodes of the update's names that the earlier papers lack
    nodes: list[str] = field(default_factory=list)
    #: each earlier cluster's root that the update's names joined to another
    #: cluster -> the root of the cluster they make
    absorbed: dict[str, str] = field(default_factory=dict)


@dataclass
class UpdateInput:
    """What an update's resolution reads of the papers: the new papers' extractions
    (spread, in order), the earlier papers' the spread changed, each with its
    extraction as the earlier build kept it (in the papers' order), and a way to
    read other earlier papers' extractions by key (for the few whose links change)."""

    new: Sequence[Extraction]
    changed: Sequence[tuple[Extraction, Extraction]]
    earlier: Callable[[Iterable[str]], dict[str, Extraction]]


def update_input(extractions: Sequence[Extraction], previous: Sequence[Extraction],
                 earlier: int) -> UpdateInput:
    """The :class:`UpdateInput` of ``extractions`` (an update's, spread), whose first
    ``earlier`` are the earlier build's papers, kept as ``previous``."""
    by_key = {}

    def read(keys: Iterable[str]) -> dict[str, Extraction]:
        if not by_key:
            by_key.update((e.paper.key, e) for e in extractions[:earlier])
        return {key: by_key[key] for key in keys}

    if len(previous) != earlier:
        raise Fallback("the earlier papers are not the state's")
    return UpdateInput(extractions[earlier:],
                       [(now, before) for now, before in zip(extractions, previous,
                                                             strict=False) if now is not before],
                       read)


def delta_entities(state: ResolutionState, update: UpdateInput, resources: Resources,
                   merges: Sequence[Sequence[str]] = ()) -> DeltaEntities:
    """The entities :func:`~paperkg.resolve.resolver.resolve` makes of the earlier
    papers and the update's, from ``state`` and the update's mentions alone.

    An earlier extraction may differ from the one the earlier build kept only by the
    mentions the spread of a new paper's names adds to it. Raises :class:`Fallback`
    where the new papers reach back further: an earlier paper's acronym sense
    changes. The clusters an earlier paper gives a new name, and those the update's
    names join (earlier clusters made one, or given another root), are counted again
    from their papers (:func:`_counted_again`).
    """
    from paperkg.resolve.resolver import _Index, assign_keys, curated_slugs, keyed

    if _merges(merges) != state.merges:
        raise Fallback("the merges changed")
    new = update.new
    # the earlier papers' mentions the spread added, then the new papers'
    delta = [added for now, before in update.changed
             if (added := _added(now, before)) is not None]
    delta.extend(new)
    new_papers = {e.paper.key for e in new}
    merged_senses, merged_ambiguous = _senses(state, delta, new_papers)
    index = _Index(delta, resources, (), senses=(merged_senses, merged_ambiguous),
                   parent=dict(state.parent))
    find = index.sets.find
    # the nodes come after the earlier ones; a look-up made later (lineage's) adds more
    nodes = list(islice(index.sets.parent, len(state.parent), None))
    # a union of earlier clusters: the cluster they make is counted from their papers
    absorbed = {root: found for root in state.clusters if (found := find(root)) != root}
    touched = _touched(state, delta, index, update, new_papers, absorbed)
    drafts = dict(state.drafts)
    bases = dict(state.bases)
    for root in absorbed:
        del drafts[root], bases[root]
    for root, stats in touched.items():
        drafts[root] = draft = stats.draft(resources)
        bases[root] = slug(draft[1][0])

    def long_key(root: str) -> str:
        stats = touched.get(root) or state.clusters[root]
        return stats.long_key

    earlier_entities = state.entities
    entities = {}
    remade = set(touched)
    for root, key in assign_keys(drafts, bases, long_key, curated_slugs(resources)).items():
        entity = earlier_entities.get(root)
        if entity is None or entity.key != key or root in touched:
            entity = keyed(drafts[root][0], key)
            remade.add(root)
        entities[root] = entity
    return DeltaEntities(entities, remade, merged_ambiguous, index, delta, touched,
                         {root: drafts[root] for root in touched}, nodes, absorbed)


def delta_links(state: ResolutionState, delta: DeltaEntities,
                update: UpdateInput) -> dict[str, tuple[Link, ...]]:
    """The links of each paper whose links an update changes, by paper key: the new
    papers', the earlier papers' the spread added a mention to, and those of the
    earlier papers that name an entity whose key or type changed (the others' are
    the earlier build's). ``delta``: :func:`delta_entities` of the same update."""
    earlier_entities, entities = state.entities, delta.entities
    changed = [root for root in delta.touched if (old := earlier_entities.get(root))
               and ((new := entities[root]).key != old.key or new.type is not old.type)]
    papers = {paper for root in changed for paper in state.papers_of[root]}
    # the papers of a cluster joined to another link to that one's entity now
    papers.update(paper for root in delta.absorbed for paper in state.papers_of[root])
    now = {extraction.paper.key: extraction for extraction, _ in update.changed}
    read = update.earlier(papers - now.keys())
    redo = sorted((*read.values(), *now.values()), key=lambda e: state.order[e.paper.key])
    redo.extend(update.new)
    return links_of(delta, redo, entities)


def links_of(delta: DeltaEntities, extractions: Sequence[Extraction],
             entities: Mapping[str, Entity]) -> dict[str, tuple[Link, ...]]:
    """The links of ``extractions`` to ``entities`` (by cluster root), by paper key,
    their mentions' clusters found by ``delta``'s union-find."""
    from paperkg.resolve.resolver import _links

    find, node = delta.index.sets.find, delta.index.mention_node
    roots = [tuple(find(node(m)) for m in e.mentions) for e in extractions]
    links: dict[str, list[Link]] = {e.paper.key: [] for e in extractions}
    for link in _links(extractions, roots, entities):
        links[link.paper_key].append(link)
    return {paper: tuple(found) for paper, found in links.items()}


def redone_papers(update: UpdateInput, links: Mapping[str, Sequence[Link]]) -> list[Paper]:
    """The papers whose nodes an update writes again: the new ones, the earlier ones
    the spread changed, and those whose links changed (``links``: :func:`delta_links`')."""
    papers = {e.paper.key: e.paper for e in update.new}
    papers.update((now.paper.key, now.paper) for now, _ in update.changed)
    papers.update((key, e.paper) for key, e in update.earlier(links.keys() - papers.keys())
                  .items())
    return list(papers.values())


def link_count_changes(state: ResolutionState, delta: DeltaEntities, update: UpdateInput,
                       links: Mapping[str, Sequence[Link]]) -> Counter:
    """How many more links of each relation the graph has after the update (less
    where negative): ``links``, :func:`delta_links`' papers', against the links the
    earlier ones among them had (made again from their earlier extractions and the
    earlier entities): what ``report.json``'s counts change by."""
    from paperkg.resolve.resolver import _links

    new = {e.paper.key for e in update.new}
    before = {now.paper.key: was for now, was in update.changed}
    earlier = [key for key in links if key not in new]
    read = update.earlier([key for key in earlier if key not in before])
    was = [before.get(key) or read[key] for key in earlier]
    # the earlier extractions' clusters as the earlier build found them
    parent, node = state.parent, delta.index.mention_node
    roots = [tuple(parent[node(m)] for m in e.mentions) for e in was]
    change = Counter(link.relation.value for found in links.values() for link in found)
    change.subtract(link.relation.value for link in _links(was, roots, state.entities))
    return change


def _touched(state: ResolutionState, delta: Sequence[Extraction], index,
             update: UpdateInput, new_papers: set[str],
             absorbed: dict[str, str]) -> dict[str, ClusterStats]:
    """The aggregates of each cluster the update's mentions (``delta``, whose nodes
    ``index`` found) land in, with them; ``absorbed``: the earlier clusters joined
    to others (:attr:`DeltaEntities.absorbed`)."""
    find = index.sets.find
    touched: dict[str, ClusterStats] = {}
    #: the changed earlier papers' extractions as the state has them, and the roots
    #: of their mentions
    before_of = {now.paper.key: before for now, before in update.changed}
    had_roots: dict[str, set[str]] = {}
    #: clusters counted again from all their mentions: those that joined earlier
    #: clusters, and those an earlier paper gives a new name (which changes the order
    #: of its names' first mentions)
    again: set[str] = set(absorbed.values())
    for extraction, nodes in zip(delta, index.nodes, strict=True):
        for mention, node in zip(extraction.mentions, nodes, strict=True):
            root = find(node)
            if root in again:
                continue
            stats = touched.get(root)
            if stats is None:
                earlier_stats = state.clusters.get(root)
                stats = touched[root] = earlier_stats.copy() if earlier_stats is not None \
                    else ClusterStats()
            if mention.paper_key in new_papers or root not in state.clusters:
                stats.add(mention)  # after the cluster's mentions, as in a full build
            elif mention.text not in stats.surfaces:
                again.add(root)
            else:  # an earlier paper's, before the cluster's last paper
                had = had_roots.get(mention.paper_key)
                if had is None:
                    had = had_roots[mention.paper_key] = {
                        find(index.mention_node(m)) for m in before_of[mention.paper_key].mentions}
                stats.insert(mention, new_paper=root not in had)
                had.add(root)
    if again:
        touched.update(_counted_again(state, index, update, again, absorbed))
    return touched


def _counted_again(state: ResolutionState, index, update: UpdateInput, roots: set[str],
                   absorbed: dict[str, str]) -> dict[str, ClusterStats]:
    """The aggregates of the clusters of ``roots``, counted from all their mentions:
    their earlier papers' (read from the state, as the spread left them; those of
    the earlier clusters ``absorbed`` into them too), then the new papers'. The cost
    follows the clusters' papers, not the build's."""
    find, node = index.sets.find, index.mention_node
    changed = {now.paper.key: now for now, _ in update.changed}
    joined = _joined(absorbed)
    counted = {}
    for root in sorted(roots):
        keys = set(state.papers_of.get(root, ()))
        for earlier in joined.get(root, ()):
            keys.update(state.papers_of[earlier])
        keys.update(key for key, now in changed.items()
                    if any(find(node(m)) == root for m in now.mentions))
        read = update.earlier(keys - changed.keys())
        mentions = [m for key in sorted(keys, key=state.order.__getitem__)
                    for m in (changed.get(key) or read[key]).mentions if find(node(m)) == root]
        mentions.extend(m for e in update.new for m in e.mentions if find(node(m)) == root)
        counted[root] = ClusterStats.of(mentions)
    return counted


def _joined(absorbed: dict[str, str]) -> dict[str, list[str]]:
    """Each union's root -> the earlier clusters it joined (``absorbed``:
    :attr:`DeltaEntities.absorbed`)."""
    joined: dict[str, list[str]] = {}
    for earlier, root in absorbed.items():
        joined.setdefault(root, []).append(earlier)
    return joined


def _senses(state: ResolutionState, delta: Sequence[Extraction], new_papers: set[str],
            ) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, ...]]]:
    """The acronym senses and ambiguous short forms once the update's papers
    (``delta``) add their definitions: only the short forms they define are looked
    at again. Raises :class:`Fallback` if an earlier paper's sense changes. The
    state's own table is left as it is."""
    defined = _defined(delta)
    acronyms = state.acronyms.subset(defined)
    before = acronyms.senses(defined)[0]
    acronyms.add(delta)
    touched_keys = acronyms.added
    senses, ambiguous = acronyms.senses(touched_keys)
    for paper, key in {**before, **senses}:
        if paper not in new_papers and before.get((paper, key)) != senses.get((paper, key)):
            raise Fallback(f"the sense of {key!r} changed in an earlier paper")
    merged_senses = {k: v for k, v in state.senses.items() if k[1] not in touched_keys}
    merged_senses.update(senses)
    merged_ambiguous = {k: v for k, v in state.ambiguous.items() if k not in touched_keys}
    merged_ambiguous.update(ambiguous)
    return merged_senses, merged_ambiguous


def _defined(extractions: Sequence[Extraction]) -> set[str]:
    """The short-form keys ``extractions`` define (see :class:`Acronyms`)."""
    return Acronyms().add(extractions).added


def _added(now: Extraction, before: Extraction) -> Extraction | None:
    """``now`` with only the mentions it has beyond ``before``'s, which must be
    the spread's (None if it has none)."""
    if now.paper.key != before.paper.key:
        raise Fallback("the earlier papers are not in the state's order")
    kept = set(before.mentions)
    added = tuple(m for m in now.mentions if m not in kept)
    if len(now.mentions) - len(added) != len(before.mentions) or \
            any(m.rule != SPREAD_RULE for m in added):
        raise Fallback(f"the mentions of the earlier paper {now.paper.key} changed")
    return replace(now, mentions=added) if added else None


def delta_lineage(state: ResolutionState, delta: DeltaEntities, update: UpdateInput,
                  resources: Resources) -> tuple[tuple[Lineage, ...], dict[str, Entity]]:
    """:func:`~paperkg.resolve.lineage.derive_lineage` of the earlier papers and the
    update's, from what the earlier papers state (``state``) and the update's papers:
    every lineage edge, and the entities with the checkpoint parents it adds."""
    return lineage_from(delta.entities, delta_stating(state, delta, update),
                        _PapersOf(state.papers_of, papers_added(delta), delta.absorbed),
                        resources,
                        delta.index.sets.find, state.names)


def delta_stating(state: ResolutionState, delta: DeltaEntities,
                  update: UpdateInput) -> list[Stated]:
    """What every paper states about lineage once the update is in: the earlier
    papers' (those the spread changed stated again), then the new papers'."""
    find, node = delta.index.sets.find, delta.index.mention_node
    changed = {now.paper.key: now for now, _ in update.changed}
    stating = [stated(now, tuple(find(node(m)) for m in now.mentions))
               if (now := changed.get(said.paper)) is not None else said
               for said in state.stating]
    if delta.absorbed:  # what the papers said of a joined cluster is said of the union
        stating = [_moved(said, delta.absorbed) for said in stating]
    for extraction in update.new:
        said = stated(extraction, tuple(find(node(m)) for m in extraction.mentions))
        if said is not None:
            stating.append(said)
    return stating


def _moved(said: Stated, absorbed: dict[str, str]) -> Stated:
    """``said`` with the roots of ``absorbed`` clusters replaced by their union's."""
    def root(found: str | None) -> str | None:
        return absorbed.get(found, found) if found else found

    return replace(said, parents=tuple((root(child), parent, sentence)
                                       for child, parent, sentence in said.parents),
                   claims=tuple((root(child), root(parent), rule, evidence)
                                for child, parent, rule, evidence in said.claims))


def papers_added(delta: DeltaEntities) -> dict[str, set[str]]:
    """Each cluster root's papers among the update's mentions (new papers, and
    earlier ones the spread added a mention to)."""
    find = delta.index.sets.find
    added: dict[str, set[str]] = {}
    for extraction, nodes in zip(delta.delta, delta.index.nodes, strict=True):
        for root in map(find, nodes):
            added.setdefault(root, set()).add(extraction.paper.key)
    return added


def advance_state(state: ResolutionState, delta: DeltaEntities, update: UpdateInput,
                  lineage: Sequence[Lineage], generic: Callable[[str], bool] = lambda _: False,
                  ) -> ResolutionState:
    """The state a full resolution of the earlier papers and the update's would
    leave (:func:`resolution_state`), made from ``state`` and the update's
    resolution (``delta``, :func:`delta_entities`'; ``lineage``, the edges
    :func:`delta_lineage` gave; ``generic``: the stoplist of the spread), so that the
    next update starts from it. ``state`` is taken over: its tables are added to
    in place, and it is not to be used again."""
    find = delta.index.sets.find
    order = state.order
    for extraction in update.new:
        order[extraction.paper.key] = len(order)
    state.acronyms.add(update.new)  # the spread's mentions define no short form
    parent = state.parent
    for node in delta.nodes:
        parent[node] = find(node)
    clusters = state.clusters
    if isinstance(clusters, _Rows):
        clusters.put(delta.stats)
    else:
        clusters.update(delta.stats)
    state.drafts.update(delta.drafts)
    state.bases.update((root, slug(name)) for root, (_, (name, _)) in delta.drafts.items())
    papers_of = state.papers_of
    if delta.absorbed:
        _drop_joined(state, delta.absorbed)
    new = {e.paper.key for e in update.new}
    for root, papers in papers_added(delta).items():
        found = papers_of.setdefault(root, [])
        more = papers.difference(found)
        found.extend(sorted(more, key=order.__getitem__))
        if not more <= new:  # an earlier paper the spread reached: in its place
            found.sort(key=order.__getitem__)
    spread = state.spread
    if spread is not None:
        from paperkg.resolve.spread import coined_names

        coined = dict(coined_names(update.new, generic))
        coined = {name: mention for name, mention in coined.items() if name not in spread.coined}
        words = [e.words for e in update.new]
        if any(w is None or "\n" in w for w in words):
            spread = None
        else:
            spread = SpreadState(_Added(spread.coined, coined),
                                 "\n".join([spread.words, *words]) if words else spread.words)
    return ResolutionState(
        len(order), order, state.merges, state.acronyms, delta.index.senses, delta.ambiguous,
        parent, clusters, state.drafts, state.bases, delta.entities, papers_of,
        delta_stating(state, delta, update), state.names, tuple(lineage), spread)


def _drop_joined(state: ResolutionState, absorbed: dict[str, str]) -> None:
    """Leave the earlier clusters ``absorbed`` into unions out of ``state`` (being
    advanced): their nodes find the union's root, which has their papers."""
    parent, order, papers_of = state.parent, state.order, state.papers_of
    for node, root in parent.items():
        if root in absorbed:
            parent[node] = absorbed[root]
    if isinstance(state.clusters, _Rows):
        state.clusters.drop(absorbed)
    else:
        for root in absorbed:
            del state.clusters[root]
    for root, union in absorbed.items():
        del state.drafts[root], state.bases[root]
        found = papers_of.setdefault(union, [])
        found.extend(papers_of.pop(root))
        found[:] = sorted(set(found), key=order.__getitem__)


class _Added(Mapping):
    """A mapping and the items added to it (none of them its keys)."""

    def __init__(self, earlier: Mapping, added: dict) -> None:
        self.earlier, self.added = earlier, added

    def __getitem__(self, key):
        found = self.added.get(key)
        return self.earlier[key] if found is None else found

    def __contains__(self, key) -> bool:
        return key in self.added or key in self.earlier

    def __iter__(self):
        yield from self.earlier
        yield from self.added

    def __len__(self) -> int:
        return len(self.earlier) + len(self.added)


class _PapersOf(Mapping):
    """Each cluster root's papers, as a set: the earlier papers' (``earlier``, lists)
    and the update's (``added``), made on demand."""

    def __init__(self, earlier: dict[str, list[str]], added: dict[str, set[str]],
                 absorbed: dict[str, str] | None = None) -> None:
        self.earlier, self.added = earlier, added
        self._made: dict[str, set[str]] = {}
        #: each union's root -> the earlier clusters it joined
        self.joined = _joined(absorbed or {})
        self.gone = set(absorbed or ())

    def __getitem__(self, root: str) -> set[str]:
        made = self._made.get(root)
        if made is None:
            if root in self.gone or (root not in self.earlier and root not in self.added):
                raise KeyError(root)
            made = self._made[root] = set(self.earlier.get(root, ())) | \
                self.added.get(root, set())
            for earlier in self.joined.get(root, ()):
                made.update(self.earlier[earlier])
        return made

    def __iter__(self):
        return iter((self.earlier.keys() | self.added.keys()) - self.gone)

    def __len__(self) -> int:
        return len((self.earlier.keys() | self.added.keys()) - self.gone)


#: the layout of a saved state; another is not read
STATE_FORMAT = 1


def save_resolution_state(state: ResolutionState, path: Path, extra: dict | None = None,
                          ) -> None:
    """Write ``state`` to ``path`` (zstd-compressed JSON, papers by their place in
    order, each cluster by its place among the roots); ``extra``: what else to keep
    with it (JSON), which :func:`load_resolution_extra` gives back."""
    papers = sorted(state.order, key=state.order.__getitem__)
    at = state.order
    roots = list(state.clusters)
    acronyms = state.acronyms
    row = {
        "format": STATE_FORMAT, "papers": papers, "merges": state.merges,
        "acronyms": {
            "long_forms": [[key, list(counts.items())]
                           for key, counts in acronyms.long_forms.items()],
            "per_paper": [[at[paper], key, long] for (paper, key), long
                          in acronyms.per_paper.items()],
            "papers_of": [[key, [at[paper] for paper in found]]
                          for key, found in acronyms.papers_of.items()],
            "surfaces": acronyms.surfaces},
        "senses": [[at[paper], key, sense] for (paper, key), sense in state.senses.items()],
        "ambiguous": state.ambiguous,
        "parent": list(state.parent.items()),
        "roots": roots,
        "clusters": [_saved(state.clusters, root, _stats_row) for root in roots],
        "drafts": [[d.label, d.type.value, d.kind, d.aliases, d.support, name, curated]
                   for d, (name, curated) in map(state.drafts.__getitem__, roots)],
        "bases": [state.bases[root] for root in roots],
        "keys": [state.entities[root].key for root in roots],
        "papers_of": [[at[paper] for paper in state.papers_of[root]] for root in roots],
        "stating": [[at[said.paper], said.parents, said.claims] for said in state.stating],
        "names": [[label, modifiers, found] for (label, modifiers), found in state.names.items()],
        "lineage": [[e.child, e.parent, e.rule, e.evidence, e.papers] for e in state.lineage],
        "spread": None if state.spread is None else {
            "coined": _coined_rows(state.spread.coined, at),
            "words": state.spread.words},
        "extra": extra or {},
    }
    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
    path.write_bytes(compressor.compress(orjson.dumps(row)))


def load_resolution_state(path: Path) -> ResolutionState:
    """The state :func:`save_resolution_state` wrote at ``path``; raises ValueError
    for a file it did not write (or another layout's)."""
    return load_resolution_extra(path)[0]


def load_resolution_extra(path: Path) -> tuple[ResolutionState, dict]:
    """The state :func:`save_resolution_state` wrote at ``path`` and what else it kept
    with it; raises ValueError for a file it did not write (or another layout's)."""
    from paperkg.resolve.resolver import keyed

    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small containers, none of them garbage
    try:
        row = orjson.loads(zstandard.ZstdDecompressor().decompress(path.read_bytes()))
        if not isinstance(row, dict) or row.get("format") != STATE_FORMAT:
            raise ValueError("another layout")
        extra = row["extra"]
        if not isinstance(extra, dict):
            raise ValueError("its extra part is not an object")
        papers = row["papers"]
        acronyms = Acronyms()
        saved = row["acronyms"]
        acronyms.long_forms.update((key, _counter(counts)) for key, counts in saved["long_forms"])
        acronyms.per_paper.update(((papers[paper], key), long)
                                  for paper, key, long in saved["per_paper"])
        acronyms.papers_of.update((key, [papers[p] for p in found])
                                  for key, found in saved["papers_of"])
        acronyms.surfaces.update(saved["surfaces"])
        roots = row["roots"]
        drafts = {root: (Entity("", label, EntityType(kind_type), kind, tuple(aliases), support),
                         (name, curated))
                  for root, (label, kind_type, kind, aliases, support, name, curated)
                  in zip(roots, row["drafts"], strict=True)}
        keys = dict(zip(roots, row["keys"], strict=True))
        return ResolutionState(
            papers=len(papers), order={paper: i for i, paper in enumerate(papers)},
            merges=tuple(tuple(group) for group in row["merges"]), acronyms=acronyms,
            senses={(papers[paper], key): sense for paper, key, sense in row["senses"]},
            ambiguous={key: tuple(forms) for key, forms in row["ambiguous"].items()},
            parent=dict(row["parent"]),
            clusters=_Rows(dict(zip(roots, row["clusters"], strict=True)), _stats),
            drafts=drafts, bases=dict(zip(roots, row["bases"], strict=True)),
            entities={root: keyed(drafts[root][0], keys[root]) for root in roots},
            papers_of={root: [papers[p] for p in found]
                       for root, found in zip(roots, row["papers_of"], strict=True)},
            stating=[Stated(papers[paper], tuple(map(tuple, parents)), tuple(map(tuple, claims)))
                     for paper, parents, claims in row["stating"]],
            names={(label, modifiers): tuple(found) for label, modifiers, found in row["names"]},
            lineage=tuple(Lineage(child, parent, rule, evidence, tuple(found))
                          for child, parent, rule, evidence, found in row["lineage"]),
            spread=None if row["spread"] is None else SpreadState(
                _Rows({mention[0]: (papers[paper], mention)
                       for paper, mention in row["spread"]["coined"]},
                      lambda saved: _mention_of(*saved)),
                row["spread"]["words"])), extra
    except (OSError, ValueError, KeyError, TypeError, IndexError,
            zstandard.ZstdError, orjson.JSONDecodeError) as err:
        raise ValueError(f"cannot read the resolution state {path.name}: {err}") from err
    finally:
        if collecting:
            gc.enable()


def _saved(rows: Mapping, key, row: Callable):
    """The row of ``rows[key]``: as it was read, if it was not made since."""
    if isinstance(rows, _Rows) and key not in rows.made:
        return rows.rows[key]
    return row(rows[key])


def _coined_rows(coined: Mapping[str, Mention], at: Mapping[str, int]) -> list:
    """The spread's coined names as saved: each mention's paper (by place) and row."""
    if isinstance(coined, _Added):
        return _coined_rows(coined.earlier, at) + _coined_rows(coined.added, at)
    if isinstance(coined, _Rows):
        rows = coined.rows  # each name's paper and mention row
        return [[at[rows[name][0]], rows[name][1]] if name not in coined.made else
                [at[(m := coined.made[name]).paper_key], _mention_row(m)] for name in rows]
    return [[at[m.paper_key], _mention_row(m)] for m in coined.values()]


def _stats_row(stats: ClusterStats) -> list:
    # the votes sorted: their order follows the mentions', which an update's spread
    # can add in another order than a full build's, and nothing reads it (the sums
    # are exact), so the same state is saved as the same row
    return [stats.resource_id, list(stats.surfaces.items()), sorted(stats.shorts),
            sorted(stats.aliases), stats.named, stats.mentions, stats.evaluated,
            sorted([t.value, sorted(counts.items())] for t, counts in stats.votes.items()),
            stats.confident, stats.papers, stats.last_paper, stats.long_key]


def _stats(row: list) -> ClusterStats:
    stats = ClusterStats()
    (stats.resource_id, surfaces, shorts, aliases, stats.named, stats.mentions, stats.evaluated,
     votes, stats.confident, stats.papers, stats.last_paper, stats.long_key) = row
    stats.surfaces = dict(surfaces)
    stats.shorts, stats.aliases = set(shorts), set(aliases)
    stats.votes = {EntityType(t): _counter(counts) for t, counts in votes}
    return stats


def _counter(pairs: list) -> Counter:
    counts = Counter()
    dict.update(counts, pairs)  # Counter's own update checks each pair's type
    return counts


class _Rows(Mapping):
    """Saved rows by key, each made into its object (``make``) when first read: an
    update reads the few clusters its papers touch."""

    def __init__(self, rows: dict, make: Callable) -> None:
        self.rows, self.make, self.made = rows, make, {}

    def __getitem__(self, key):
        made = self.made.get(key)
        if made is None:
            made = self.made[key] = self.make(self.rows[key])
        return made

    def put(self, made: Mapping) -> None:
        """Add or replace these objects (each made already)."""
        self.made.update(made)
        for key in made:
            self.rows.setdefault(key, None)

    def drop(self, keys: Iterable) -> None:
        """Remove these keys."""
        for key in keys:
            del self.rows[key]
            self.made.pop(key, None)

    def __contains__(self, key) -> bool:
        return key in self.rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)
