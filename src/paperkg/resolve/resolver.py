"""Mentions -> canonical entities and paper links.

>>> from paperkg.extract.pipeline import Extractor
>>> from paperkg.extract.resources import load_resources
>>> from paperkg.records import Paper
>>> papers = [Paper("id:1", "A", "We adapt LLaMa with LoRA."),
...           Paper("id:2", "B", "Llama and Low-Rank Adaptation (LoRA) on MMLU.")]
>>> result = resolve(Extractor().extract(papers), load_resources())
>>> sorted((e.label, e.support) for e in result.entities.values())
[('LLaMA', 2), ('LoRA', 2), ('MMLU', 1)]
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import chain
from operator import attrgetter

from paperkg.extract.resources import KnownEntity, Resources
from paperkg.extract.text import name_key
from paperkg.records import Entity, EntityType, Extraction, Link, Mention, Relation, Resolution
from paperkg.resolve.clusters import UnionFind, acronym_senses
from paperkg.resolve.curation import near_duplicates
from paperkg.resolve.lineage import derive_lineage
from paperkg.resolve.spread import spread_names
from paperkg.vocab import slug

log = logging.getLogger(__name__)

_RESOURCE_ID, _TEXT, _ALIASES, _KIND, _PAPER_KEY, _TYPE, _CONFIDENCE, _EVALUATED_ON, _RULE = (
    attrgetter(name) for name in ("resource_id", "text", "aliases", "kind", "paper_key", "type",
                                  "confidence", "evaluated_on", "rule"))
_MENTIONS = attrgetter("mentions")
_TYPE_ORDER = (EntityType.MODEL, EntityType.BENCHMARK, EntityType.DATASET, EntityType.TECHNIQUE)


class _Index:
    """Maps each mention to its cluster (a union-find root)."""

    def __init__(self, extractions: Sequence[Extraction], resources: Resources,
                 merges: Sequence[Sequence[str]], *,
                 senses: tuple[dict[tuple[str, str], str], dict[str, tuple[str, ...]]]
                 | None = None,
                 parent: dict[str, str] | None = None):
        """``senses``: the acronym senses to use and the ambiguous short forms (by
        default those of ``extractions``: :func:`acronym_senses`); ``parent``: an
        earlier union-find's nodes, each with its root, that ``extractions``' unions
        are added to (an update's)."""
        self.resources = resources
        #: (name, is a curated id, redefined) -> (node without its sense, is curated)
        self._names: dict[tuple[str, bool, bool], tuple[str, bool]] = {}
        self.senses, self.ambiguous = acronym_senses(extractions) if senses is None else senses
        self.sets = UnionFind()
        if parent is not None:
            self.sets.parent.update(parent)
        #: each paper's mentions' nodes, found once (a node costs a curated look-up)
        self.nodes: list[tuple[str, ...]] = []
        names, senses, add = self._names, self.senses, self.sets.parent.setdefault
        for extraction in extractions:
            nodes = []
            for mention in extraction.mentions:
                # :meth:`mention_node`, written out: it runs for each of millions of mentions
                resource_id = mention.resource_id
                redefined = resource_id is None and mention.rule == "acronym"
                found = names.get((resource_id or mention.text, bool(resource_id), redefined))
                if found is None:
                    node = self.mention_node(mention)
                else:
                    node, known = found
                    if not known and senses and (sense := senses.get((mention.paper_key, node))):
                        node = f"{node}|{sense}"
                nodes.append(node)
                add(node, node)  # a set of its own until a union joins it to another
                if resource_id is None:
                    for alias in mention.aliases:
                        self.sets.union(node, self.node(mention.paper_key, alias, None,
                                                        redefined=redefined))
            self.nodes.append(tuple(nodes))
        for group in merges:
            nodes = [self.node("", name, None) for name in group]
            for other in nodes[1:]:
                self.sets.union(nodes[0], other)

    def node(self, paper_key: str, text: str, resource_id: str | None, *,
             redefined: bool = False) -> str:
        """The union-find node of a name: its curated entity, else its key (and sense).

        ``redefined``: the paper defines this short form itself with another
        meaning than the curated one ("Large Concept Models (LCMs)"), so the
        curated entity is not looked up.
        """
        key = (resource_id or text, bool(resource_id), redefined)
        found = self._names.get(key)
        if found is None:  # mentions repeat their names: each is looked up once
            curated = resource_id or None
            if curated is None and not redefined:
                entry = self.resources.lookup(text)
                curated = entry.name if entry else None
            found = self._names[key] = ("known:" + name_key(curated), True) if curated \
                else (name_key(text), False)
        node, known = found
        if known:
            return node
        sense = self.senses.get((paper_key, node))
        return f"{node}|{sense}" if sense else node

    def mention_node(self, mention: Mention) -> str:
        return self.node(mention.paper_key, mention.text, mention.resource_id,
                         redefined=_redefined(mention))

    def roots(self) -> list[tuple[str, ...]]:
        """Each paper's mentions' cluster roots; the nodes are let go."""
        # each node's root found once, then looked up for each of millions of mentions
        root_of = {node: self.sets.find(node) for node in self.sets.parent}
        roots = [tuple(map(root_of.__getitem__, nodes)) for nodes in self.nodes]
        self.nodes = []
        return roots


def _redefined(mention: Mention) -> bool:
    """An acronym the text defines that did not resolve to the curated entry of the
    same short form: the extractor found the text's long form means something else."""
    return mention.rule == "acronym" and mention.resource_id is None


def resolve(
    extractions: Sequence[Extraction],
    resources: Resources,
    merges: Sequence[Sequence[str]] = (),
    *,
    spread: bool = True,
    curation: bool = True,
) -> Resolution:
    """Resolve the mentions of all papers into entities, links and lineage.

    ``merges`` lists groups of names a user declared to be one entity.
    ``spread``: first look for the names one paper coins in the others
    (:func:`~paperkg.resolve.spread.spread_names`); False when the caller did.
    ``curation``: list the near-duplicate entities
    (:func:`~paperkg.resolve.curation.near_duplicates`); False when the caller
    does it (a build, in its helper process).
    """
    if spread:
        extractions = spread_names(extractions, resources.is_stopped)
    index = _Index(extractions, resources, merges)
    roots = index.roots()
    clusters = _clusters(extractions, roots)
    entities = _entities(clusters, resources)
    links = _links(extractions, roots, entities)
    lineage, entities = derive_lineage(extractions, entities, roots, resources, index.sets.find)
    del roots
    by_key = {entity.key: entity for entity in entities.values()}
    return Resolution(
        entities=by_key,
        links=links,
        lineage=lineage,
        near_duplicates=near_duplicates(list(by_key.values())) if curation else (),
        ambiguous=tuple(sorted(index.ambiguous.items())),
    )


def _clusters(extractions: Sequence[Extraction],
              roots: Sequence[tuple[str, ...]]) -> dict[str, list[Mention]]:
    """Each cluster root -> its mentions, in the papers' order; ``roots``: each
    paper's mentions' roots (:meth:`_Index.roots`)."""
    if list(map(len, roots)) != [len(e.mentions) for e in extractions]:
        raise ValueError("each paper's roots must be as many as its mentions")
    clusters: dict[str, list[Mention]] = defaultdict(list)
    # C functions mapped over the millions of mentions: each mention appended to its
    # root's list, with no Python loop
    deque(map(list.append, map(clusters.__getitem__, chain.from_iterable(roots)),
              chain.from_iterable(map(_MENTIONS, extractions))), maxlen=0)
    return clusters


def _entities(clusters: dict[str, list[Mention]], resources: Resources) -> dict[str, Entity]:
    """One :class:`Entity` per cluster, keyed by cluster root.

    The IRI key does not follow the display label, which is the most frequent
    spelling and may change as papers are added: it is the curated name, else a
    name key of the cluster (:func:`_key_name`), so a new spelling of a name cannot
    change it. A short form with several meanings in the corpus names each after
    its long form (``spo-structuredpromptoptimization``), so a new meaning makes
    the plain key go rather than take it over. A key that is not curated never
    takes a curated entity's key, even one that differs only in case or that this
    corpus does not mention: it gets "-other" ("Text Eight (TEXT8)" is
    ``text8-other`` beside the curated text8). Clusters still alike are told apart
    by a number, in the sorted order of their union-find roots.
    """
    drafts = {root: _entity(mentions, resources) for root, mentions in clusters.items()}
    bases = {root: slug(name) for root, (_, (name, _)) in drafts.items()}  # each made once
    keys = assign_keys(drafts, bases, lambda root: _long_key(clusters[root]),
                       curated_slugs(resources))
    return {root: keyed(drafts[root][0], key) for root, key in keys.items()}


def keyed(draft: Entity, key: str) -> Entity:
    """``draft`` with its key."""
    return Entity(key, draft.label, draft.type, draft.kind, draft.aliases, draft.support)


def curated_slugs(resources: Resources) -> set[str]:
    """The lower-case slugs of the curated names, which no other entity's key takes."""
    return {slug(entity.name).lower() for entity in resources.entities}


def assign_keys(drafts: dict[str, tuple[Entity, tuple[str, bool]]], bases: dict[str, str],
                long_key: Callable[[str], str], curated: set[str]) -> dict[str, str]:
    """Each cluster's entity key (see :func:`_entities`), in the sorted order of
    the roots: ``drafts`` by cluster root, each with the name its key is made from,
    ``bases`` that name's slug, ``long_key`` a root's :func:`_long_key`,
    ``curated``: :func:`curated_slugs`."""
    meanings = Counter(bases[root] for root, (_, (_, is_curated)) in drafts.items()
                       if not is_curated)
    used: set[str] = set()
    result: dict[str, str] = {}
    for root in sorted(drafts):
        is_curated = drafts[root][1][1]
        base = bases[root]
        if not is_curated and meanings[base] > 1 and (long := long_key(root)):
            # a short form with several meanings in the corpus: each meaning is named
            # after its own long form, so a new meaning cannot take an old one's key
            base = slug(f"{base}-{long}")
        if not is_curated and base.lower() in curated:
            base = f"{base}-other"
        key, number = base, 2
        while key in used or (not is_curated and key.lower() in curated):
            key, number = f"{base}-{number}", number + 1
        used.add(key)
        result[root] = key
    return result


def _defines_short_form(mention: Mention) -> bool:
    """The mention is a short form the text defines, its long form first among its
    aliases ("SPERO" with "Sparse Expert Routing")."""
    return mention.rule == "acronym" and bool(mention.aliases) and \
        len(mention.text) < len(mention.aliases[0])


def _long_key(mentions: list[Mention]) -> str:
    """The smallest name key of the long forms a cluster's short form stands for
    (a new spelling of a long form that sorts first changes it)."""
    return min((key for m in mentions if _defines_short_form(m)
                and (key := name_key(m.aliases[0]))), default="")


def _key_name(resource_id: str | None, shorts: set[str], surfaces: Counter) -> tuple[str, bool]:
    """The name an entity's IRI is made from, and whether it is a curated name;
    ``resource_id``: the curated name of the cluster's first mention that has one,
    ``shorts``: its short forms (:func:`_short_forms`), ``surfaces``: its names.

    The curated name, else the name key (:func:`~paperkg.extract.text.name_key`) of
    the cluster's short form, else the smallest name key of its names. It depends
    on which names the cluster has, never on how often each occurs or how it is
    spelt: "Belqua-2" beside "Belqua2", or "BELQUA2", gives the same key. Names
    with no letter or digit count only when the cluster has no other.
    """
    if resource_id is not None:
        return resource_id, True
    pool = shorts or set(surfaces)
    return min((key for s in pool if (key := name_key(s))), default=None) or min(pool), False


def _short_forms(mentions: list[Mention]) -> set[str]:
    """The short forms a cluster's papers define (:func:`_defines_short_form`)."""
    if "acronym" not in map(_RULE, mentions):  # most clusters: no mention to look at
        return set()
    return {m.text for m in mentions if _defines_short_form(m)}


def _entity(mentions: list[Mention], resources: Resources) -> tuple[Entity, tuple[str, bool]]:
    """A cluster's entity, its key still empty, and the name its key is made from
    (:func:`_key_name`)."""
    if len(mentions) == 1:  # half the clusters
        return _single_entity(mentions[0], resources)
    # each pass maps an attribute getter over the mentions: the largest clusters have
    # tens of thousands of them, and a getter walks them faster than a generator
    resource_id = next(filter(None, map(_RESOURCE_ID, mentions)), None)
    known = resources.lookup(resource_id) if resource_id else None
    surfaces = Counter(map(_TEXT, mentions))  # in the order of the first mention of each
    shorts = _short_forms(mentions)
    seen = set(surfaces).union(chain.from_iterable(map(_ALIASES, mentions)))
    label = known.name if known else _label(surfaces, shorts)
    entity_type = _type(mentions, known)
    kind = "named" if "named" in map(_KIND, mentions) else "concept"
    if known is not None and known.kind == "named":
        kind = "named"
    return _draft(seen, label, entity_type, kind, len(set(map(_PAPER_KEY, mentions))),
                  _key_name(resource_id, shorts, surfaces))


def _single_entity(mention: Mention, resources: Resources) -> tuple[Entity, tuple[str, bool]]:
    """:func:`_entity` of a cluster of one mention, with no counting: its name is
    its label (unless curated) and its key's name."""
    resource_id = mention.resource_id or None
    known = resources.lookup(resource_id) if resource_id else None
    text = mention.text
    kind = "named" if mention.kind == "named" or (known is not None and known.kind == "named") \
        else "concept"
    key_name = (resource_id, True) if resource_id is not None \
        else (name_key(text) or text, False)
    return _draft({text, *mention.aliases}, known.name if known else text,
                  _type((mention,), known), kind, 1, key_name)


def _draft(seen: set[str], label: str, entity_type: EntityType, kind: str, support: int,
           key_name: tuple[str, bool]) -> tuple[Entity, tuple[str, bool]]:
    """The entity of :func:`_entity`, its aliases the names ``seen`` but its label
    (a concept's with their other grammatical number), and ``key_name``."""
    if kind == "concept":
        seen |= {variant for surface in (*seen, label) for variant in number_variants(surface)}
    seen.discard(label)
    return Entity("", label, entity_type, kind, tuple(sorted(seen)), support), key_name


def number_variants(term: str) -> tuple[str, ...]:
    """The other grammatical number of a lower-case term, so a concept is found under
    both ("multi-armed bandit" / "multi-armed bandits").

    >>> number_variants("multi-armed bandits"), number_variants("sparse autoencoder")
    (('multi-armed bandit',), ('sparse autoencoders',))
    >>> number_variants("LoRA"), number_variants("attention")
    ((), ())
    """
    if not term.islower() or not term[-1:].isalpha():
        return ()
    if term.endswith(("ss", "sis", "ing", "tion", "ment", "ness", "ence", "ance", "ism", "ity")):
        return ()
    if term.endswith("ies"):
        return (term[:-3] + "y",)
    if term.endswith("s"):
        return (term[:-1],)
    if term.endswith("y") and term[-2:-1] not in "aeiou":
        return (term[:-1] + "ies",)
    return (term + "s",)


def _label(surfaces: Counter, shorts: set[str]) -> str:
    """Most frequent short form; an acronym beats its long form. Of names as frequent,
    the first mentioned (``surfaces`` counts them in the order of their first mention)."""
    order = {text: i for i, text in enumerate(surfaces)}
    pool = shorts or set(surfaces)
    return min(pool, key=lambda s: (-surfaces[s], order[s]))


def _type(mentions: Sequence[Mention], known: KnownEntity | None) -> EntityType:
    if known is not None:
        evaluated = sum(map(_EVALUATED_ON, mentions))
        if known.type is EntityType.DATASET and evaluated * 2 > len(mentions):
            return EntityType.BENCHMARK
        return known.type
    types = set(map(_TYPE, mentions))
    if len(types) == 1 and any(map(_CONFIDENCE, mentions)):  # confidences are not negative
        return types.pop()  # the only type with votes: most clusters
    votes: dict[EntityType, Counter] = defaultdict(Counter)
    for mention in mentions:
        votes[mention.type][mention.confidence] += 1
    return voted_type(votes)


def voted_type(votes: dict[EntityType, Counter]) -> EntityType:
    """The type whose mentions' confidences sum highest (``votes``: each type's
    confidences, counted), the first of :data:`_TYPE_ORDER` of types as high.

    The sums are exact (fractions), so they do not depend on the order of the
    mentions: an update that adds an earlier paper's mention gets the same type
    as a full build (see :mod:`paperkg.resolve.delta`)."""
    sums = {t: sum(Fraction(value) * count for value, count in counts.items())
            for t, counts in votes.items()}
    return max(_TYPE_ORDER, key=lambda t: (sums.get(t, 0), -_TYPE_ORDER.index(t)))


def _links(extractions: Sequence[Extraction], roots: Sequence[tuple[str, ...]],
           entities: dict[str, Entity]) -> tuple[Link, ...]:
    """One ``mentions`` link per paper and entity (first mention as evidence), plus
    ``proposes`` and ``evaluatesOn`` where any mention says so; ``roots`` holds each
    paper's mentions' cluster roots."""
    links: list[Link] = []
    graded = (EntityType.BENCHMARK, EntityType.DATASET)
    mentions_, proposes, evaluates = Relation.MENTIONS, Relation.PROPOSES, Relation.EVALUATES_ON
    for extraction, found in zip(extractions, roots, strict=True):
        paper_key = extraction.paper.key
        if len(set(found)) == len(found):  # most papers: each entity named once, its
            # mention is everything (as in the loop below, with no groups made)
            for mention, root in zip(extraction.mentions, found, strict=True):
                entity = entities[root]
                links.append(_link(paper_key, entity.key, mentions_, mention))
                if mention.proposed:
                    links.append(_link(paper_key, entity.key, proposes, mention))
                elif mention.evaluated_on and entity.type in graded:
                    links.append(_link(paper_key, entity.key, evaluates, mention))
            continue
        by_root: dict[str, list[Mention]] = {}
        for mention, root in zip(extraction.mentions, found, strict=True):
            group = by_root.get(root)
            if group is None:
                by_root[root] = [mention]
            else:
                group.append(mention)
        for root, mentions in by_root.items():
            entity = entities[root]
            if len(mentions) == 1:  # most links: one mention is everything
                first = mentions[0]
                proposed = first if first.proposed else None
                evaluated = first if first.evaluated_on else None
            else:
                first = max(mentions, key=lambda m: (m.confidence, -_position(m)))
                proposed = next((m for m in mentions if m.proposed), None)
                evaluated = next((m for m in mentions if m.evaluated_on), None)
            links.append(_link(paper_key, entity.key, Relation.MENTIONS, first))
            if proposed is not None:
                links.append(_link(paper_key, entity.key, Relation.PROPOSES, proposed))
            elif evaluated is not None and entity.type in graded:
                links.append(_link(paper_key, entity.key, Relation.EVALUATES_ON, evaluated))
    return tuple(links)


def _link(paper_key: str, entity_key: str, relation: Relation, mention: Mention) -> Link:
    """A link whose evidence and provenance are ``mention``'s."""
    return Link(paper_key, entity_key, relation, mention.sentence, mention.field, mention.start,
                mention.end, mention.rule, mention.confidence)


def _position(mention: Mention) -> int:
    return (0 if mention.field == "title" else 1_000_000) + mention.start
