"""Technique lineage (``derivedFrom``) from names, stated derivations and the
curated resource.

Naming rules recognise a parent name inside a child name only at a word or
affix boundary ("QLoRA" <- "LoRA", "LongLoRA" <- "LoRA", "Llama-2-7B" <- "Llama-2",
"Mistral-7B-Instruct" <- "Mistral-7B"), never as an arbitrary substring, and
only between compatible types (a benchmark never derives from a model).
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, is_not

from paperkg.extract.resources import Resources
from paperkg.extract.text import name_key
from paperkg.records import Entity, EntityType, Extraction, Lineage

RULE_RANK = {"stated": 0, "proposal": 1, "naming": 2, "curated": 3}
#: a claim that the child is made for the parent ("an engine for MoE LLMs"): no edge
SERVES = "serves"
#: the parent a mention's name is formed from (:attr:`~paperkg.records.Mention.parent`)
_PARENT = attrgetter("parent")
_VARIANT_SUFFIX = re.compile(
    r"^(?:[-\s]?(?:v?\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)?[bmkt]|\d+x\d+[bm]|\+\+?|"
    r"instruct|chat|base|turbo|mini|large|small|medium|xl|xxl|pro|plus|lite|max|"
    r"ultra|flash|nano|tiny|vision|v|hf|it))+$",
    re.IGNORECASE,
)
#: a word that may modify a name: capitalised or hyphenated ("Pre-gated", "Sparse")
_MODIFIER = re.compile(r"^(?:[A-Z][A-Za-z]*|[A-Za-z]+)(?:-[A-Za-z]+)*$")
_AFFIX_PREFIX = re.compile(r"^(?:[A-Za-z]{1,2}-?|[A-Z][a-z]+-?|[a-z]+)$")
#: a capitalised word joined by a hyphen: "Chinese-" in "Chinese-LLaMA", "Zorb-" in "Zorb-BERT"
_WORD_PREFIX = re.compile(r"^[A-Z][a-z]{2,}-$")


def compatible(child: EntityType, parent: EntityType, parent_kind: str = "named",
               rule: str = "naming") -> bool:
    """May an entity of type ``child`` derive from one of type ``parent``?

    A derivation the text states may link models and techniques either way; one
    read off names or the curated resource keeps models to models and techniques
    to named techniques or models.
    """
    works = (EntityType.MODEL, EntityType.TECHNIQUE)
    if rule in ("stated", "proposal"):
        return (child in works) == (parent in works)
    if rule == "naming":
        return child is parent  # "SparseGPT" (a pruning method) is not a GPT
    if child is EntityType.MODEL:
        return parent is EntityType.MODEL
    if child is EntityType.TECHNIQUE:
        return parent is EntityType.MODEL or (
            parent is EntityType.TECHNIQUE and parent_kind == "named"
        )
    return child is parent


def naming_parents(label: str, *, modifiers: bool = True) -> Iterator[str]:
    """Names ``label`` may be derived from by its form alone.

    ``modifiers``: also a name after capitalised modifiers ("Pre-gated MoE"); off
    for names the curated resource knows ("offline RL"), whose lineage it gives.

    >>> list(naming_parents("QLoRA"))
    ['LoRA']
    >>> list(naming_parents("Llama-2-7B"))
    ['Llama-2', 'Llama']
    >>> list(naming_parents("AlpacaEval"))
    []
    >>> list(naming_parents("Pre-gated MoE")), list(naming_parents("Dynamic Context Pruning"))
    (['MoE'], [])
    """
    # suffix variants: cut at each hyphen or space from the right
    for match in reversed(list(re.finditer(r"[-\s]", label))):
        head, tail = label[: match.start()], label[match.start():]
        if head and _VARIANT_SUFFIX.match(tail):
            yield head
    # glued version digits: "Qwen2" <- "Qwen"
    glued = re.match(r"^([A-Za-z]{3,})(\d+(?:\.\d+)?)$", label)
    if glued:
        yield glued.group(1)
    # capitalised modifiers before a coined name: "Pre-gated MoE" <- "MoE", the
    # longest name first; a capitalised word ("Dynamic Context Pruning") is no name
    words = label.split(" ")
    if modifiers and len(words) > 1 and all(_MODIFIER.match(word) for word in words[:-1]):
        for i in range(1, len(words)):
            tail = " ".join(words[i:])
            if tail[0].isupper() and sum(map(str.isupper, tail)) >= 2 and not tail.istitle():
                yield tail
    # prefix affixes: "QLoRA" <- "LoRA", "LongLoRA" <- "LoRA", "S-LoRA" <- "LoRA",
    # "DistilBERT" <- "BERT"; never inside a run of capitals ("MT-Bench", "DoRA")
    for i in range(1, len(label) - 2):
        # a tail starts with a capital (:func:`_affix_boundary`): the others are not cut
        if label[i].isupper() and _affix_boundary(label[:i], label[i:]):
            yield label[i:]


def _affix_boundary(head: str, tail: str) -> bool:
    if not tail[0].isupper() or not _AFFIX_PREFIX.match(head) or sum(map(str.isupper, tail)) < 2:
        return False
    if _WORD_PREFIX.match(head):
        return True  # "Video-LLaMA" <- "LLaMA", "Self-RAG" <- "RAG"
    if len(head) == 1 or head.endswith("-"):
        return tail[1].islower()
    return head[-1].islower() and tail[1].isalpha()  # "LongLoRA", "ChatGPT", "DiffuLLaMA"


@dataclass(frozen=True, slots=True)
class Stated:
    """What one paper states about lineage, its names resolved to cluster roots:
    the mentions whose names are formed from a parent's ("Llama-2-7B" of "Llama-2"),
    as (child root, parent name, sentence), and its claims, as (child root,
    parent root, rule, evidence), a root None where the paper has no such name."""

    paper: str
    parents: tuple[tuple[str, str, str], ...]
    claims: tuple[tuple[str | None, str | None, str, str], ...]


def stated(extraction: Extraction, roots: tuple[str, ...]) -> Stated | None:
    """What ``extraction`` states (``roots``: its mentions' cluster roots), or None
    if it states nothing."""
    if not extraction.lineage and not any(map(is_not, repeat(None),
                                              map(_PARENT, extraction.mentions))):
        return None
    root_of = _names_roots(extraction, roots)
    return Stated(
        extraction.paper.key,
        tuple((root_of[name_key(m.text)], m.parent, m.sentence)
              for m in extraction.mentions if m.parent is not None),
        tuple((root_of.get(name_key(c.child)), root_of.get(name_key(c.parent)), c.rule,
               c.evidence) for c in extraction.lineage))


def derive_lineage(
    extractions: Sequence[Extraction],
    entities: dict[str, Entity],
    roots: Sequence[tuple[str, ...]],
    resources: Resources,
    find: Callable[[str], str] = str,
) -> tuple[tuple[Lineage, ...], dict[str, Entity]]:
    """All lineage edges between entity keys, and the entities (checkpoint parents
    that no paper names on their own are added, with support 0). ``roots``: the
    cluster root of each extraction's mentions, in order. ``find``: the cluster
    root of a node (a curated name merged into another curated entity is found
    under that entity's root)."""
    papers_of: dict[str, set[str]] = defaultdict(set)
    #: the papers that state a derivation or name a parent (:func:`stated`)
    stating: list[Stated] = []
    for extraction, found in zip(extractions, roots, strict=True):
        paper = extraction.paper.key
        # C functions mapped over the millions of mentions, with no Python loop
        deque(map(set.add, map(papers_of.__getitem__, found), repeat(paper)), maxlen=0)
        if (said := stated(extraction, found)) is not None:
            stating.append(said)
    return lineage_from(entities, stating, papers_of, resources, find)


def lineage_from(
    entities: dict[str, Entity],
    stating: Sequence[Stated],
    papers_of: Mapping[str, set[str]],
    resources: Resources,
    find: Callable[[str], str] = str,
    names: dict[tuple[str, bool], tuple[str, ...]] | None = None,
) -> tuple[tuple[Lineage, ...], dict[str, Entity]]:
    """:func:`derive_lineage` from what the papers state (``stating``, in the
    papers' order) and each cluster root's papers (``papers_of``): what an update
    keeps of the earlier papers. ``names``: each label's :func:`naming_parents`
    (with modifiers or not), found once and kept across updates."""
    entities = dict(entities)
    names = {} if names is None else names
    serving = {(child, parent) for said in stating for child, parent, rule, _ in said.claims
               if rule == SERVES and child and parent}
    #: each edge's best rule and its evidence (the first of that rule), and its papers
    best: dict[tuple[str, str], tuple[str, str]] = {}
    edge_papers: dict[tuple[str, str], set[str]] = {}

    def add(child_root: str, parent_root: str, rule: str, evidence: str, papers) -> None:
        if child_root == parent_root or child_root not in entities or parent_root not in entities:
            return
        if rule == "naming" and (child_root, parent_root) in serving:
            return  # "EdgeMoE, an engine for MoE LLMs" is no MoE
        child, parent = entities[child_root], entities[parent_root]
        if not compatible(child.type, parent.type, parent.kind, rule):
            return
        pair = (child.key, parent.key)
        previous = best.get(pair)
        if previous is None:
            best[pair] = (rule, evidence)
            edge_papers[pair] = set(papers)
            return
        if RULE_RANK[rule] < RULE_RANK[previous[0]]:
            best[pair] = (rule, evidence)
        edge_papers[pair].update(papers)

    for said in stating:
        for child_root, parent_name, sentence in said.parents:
            parent_root = find("known:" + name_key(parent_name))
            if parent_root not in entities:
                known = resources.lookup(parent_name)
                if known is None:
                    continue
                entities[parent_root] = Entity(_free_key(known.name, entities), known.name,
                                               known.type, known.kind, (), 0)
            add(child_root, parent_root, "naming", sentence, (said.paper,))
        for child, parent, rule, evidence in said.claims:
            if child and parent and rule != SERVES:
                add(child, parent, rule, evidence, (said.paper,))

    label_index: dict[str, str] = {}
    for root, entity in sorted(entities.items(), key=lambda item: -item[1].support):
        label_index.setdefault(name_key(entity.label), root)
    for root, entity in sorted(entities.items()):
        modifiers = not root.startswith("known:")
        candidates = names.get((entity.label, modifiers))
        if candidates is None:
            candidates = names[(entity.label, modifiers)] = tuple(
                naming_parents(entity.label, modifiers=modifiers))
        for parent_name in candidates:
            parent_root = label_index.get(name_key(parent_name))
            if parent_root is not None and resources.is_stopped(parent_name):
                break  # "GenSLM" is not formed from one paper's "SLM": the name is generic
            if parent_root is not None:
                add(root, parent_root, "naming",
                    f"the name {entity.label} is formed from {entities[parent_root].label}",
                    papers_of.get(root, ()))
                break
        if root.startswith("known:"):
            known = resources.lookup(entity.label)
            for parent_name in known.derived_from if known else ():
                parent_root = find("known:" + name_key(parent_name))
                if parent_root in entities:
                    both = papers_of.get(root, set()) & papers_of.get(parent_root, set())
                    add(root, parent_root, "curated",
                        f"curated resource: {entity.label} derives from {parent_name}", both)
    edges = {pair: Lineage(*pair, rule, evidence, tuple(sorted(edge_papers[pair])))
             for pair, (rule, evidence) in best.items()}
    return _without_cycles(_most_specific(edges)), entities


def _names_roots(extraction: Extraction, roots: tuple[str, ...]) -> dict[str, str]:
    """The cluster root of each name key of ``extraction``'s mentions (``roots``, in
    their order); of two mentions under one key, the later's."""
    return {name_key(m.text): root for m, root in zip(extraction.mentions, roots, strict=True)}


def _most_specific(edges: dict[tuple[str, str], Lineage]) -> dict[tuple[str, str], Lineage]:
    """Drop an edge read off a name when the text states a more specific parent that
    derives from it: "LS-LLaMA, based on LLaMA-2-7B" keeps LS-LLaMA <- Llama-2, not also
    the LLaMA its name is formed from."""
    stated = defaultdict(set)
    for child, parent in edges:
        if edges[(child, parent)].rule in ("stated", "proposal"):
            stated[child].add(parent)
    return {
        (child, parent): edge for (child, parent), edge in edges.items()
        if edge.rule != "naming"
        or not any((specific, parent) in edges for specific in stated[child])
    }


def _free_key(label: str, entities: dict[str, Entity]) -> str:
    from paperkg.vocab import slug

    used = {e.key for e in entities.values()}
    key, number = slug(label), 2
    while key in used:
        key, number = f"{slug(label)}-{number}", number + 1
    return key


def _without_cycles(edges: dict[tuple[str, str], Lineage]) -> tuple[Lineage, ...]:
    """Drop the weaker edge of every two-way pair, then return edges sorted."""
    kept = dict(edges)
    for (child, parent), edge in edges.items():
        reverse = kept.get((parent, child))
        if reverse is None or (child, parent) not in kept:
            continue
        weaker = min((edge, reverse), key=lambda e: (len(e.papers), -RULE_RANK[e.rule], e.child))
        kept.pop((weaker.child, weaker.parent), None)
    return tuple(sorted(kept.values(), key=lambda e: (e.child, e.parent)))
